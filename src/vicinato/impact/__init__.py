"""Impact: what proximity work saves — commute profiles (with consent) and the savings of each booking."""
