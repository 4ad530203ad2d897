// Marks the page as fully loaded and counts its figures, for headless checks and readers alike.
document.addEventListener("DOMContentLoaded", function () {
  var root = document.documentElement;
  root.setAttribute("data-figures", String(document.querySelectorAll("figure svg").length));
  root.setAttribute("data-report-loaded", "true");
});
