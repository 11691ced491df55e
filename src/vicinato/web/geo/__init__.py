"""The pages about where places are: near you (on foot, by bike), and the coverage of the city."""
