// Pre-fill the time-zone field with the browser's zone when the person has not typed one.
(function () {
  var field = document.getElementById("timezone");
  if (!field || (field.value && field.value !== "UTC")) return;
  try {
    var zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    if (zone) field.value = zone;
  } catch (e) { /* keep UTC */ }
})();
