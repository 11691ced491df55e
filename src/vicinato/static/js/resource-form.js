/* Show the organisations only when "members of the given organisations" is chosen; without script the
   server asks for them when they are missing. */
document.addEventListener("DOMContentLoaded", function () {
  var select = document.querySelector("[data-shows-organisations]");
  var field = document.getElementById("organisations-field");
  if (!select || !field) { return; }
  select.addEventListener("change", function () { field.hidden = select.value !== select.dataset.showsOrganisations; });
});
