// Marks the page as fully loaded and counts its figures, for headless checks and readers alike.
document.addEventListener("DOMContentLoaded", function () {
  var root = document.documentElement;
  root.setAttribute("data-figures", String(document.querySelectorAll("figure svg").length));
  // Wider than the window means the whole page scrolls sideways; tables and plots must
  // scroll inside their own boxes instead (a phone-width check reads this).
  root.setAttribute("data-page-overflow", String(root.scrollWidth > window.innerWidth));
  root.setAttribute("data-report-loaded", "true");
});
