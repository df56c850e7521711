// Small progressive enhancements; every page works without this file.
(function () {
  "use strict";

  // "Use my current location": fill the hidden lat/lon fields from the browser.
  document.querySelectorAll("[data-geo]").forEach(function (box) {
    var button = box.querySelector("[data-geo-button]");
    var select = box.querySelector("select");
    var option = box.querySelector("[data-geo-option]") || select.querySelector('option[value="geolocation"]');
    var lat = box.querySelector("[data-geo-lat]");
    var lon = box.querySelector("[data-geo-lon]");
    var status = box.querySelector("[data-geo-status]");
    if (!button || !("geolocation" in navigator)) return;
    button.hidden = false;
    button.addEventListener("click", function () {
      status.textContent = "Finding where you are…";
      navigator.geolocation.getCurrentPosition(function (pos) {
        lat.value = pos.coords.latitude.toFixed(5);
        lon.value = pos.coords.longitude.toFixed(5);
        option.hidden = false;
        select.value = "geolocation";
        status.textContent = "Using your current location. Others see only the nearest place name.";
      }, function () {
        status.textContent = "We could not get your location; choose a place from the list instead.";
      }, { timeout: 10000, maximumAge: 600000 });
    });
  });

  // Show the chosen photos before they are uploaded.
  document.querySelectorAll("[data-photo-preview]").forEach(function (input) {
    var box = input.parentElement.querySelector("[data-previews]");
    if (!box || !window.URL) return;
    input.addEventListener("change", function () {
      box.innerHTML = "";
      Array.prototype.slice.call(input.files, 0, 10).forEach(function (file) {
        var img = document.createElement("img");
        img.alt = file.name;
        img.src = URL.createObjectURL(file);
        box.appendChild(img);
      });
    });
  });

  // Ask before destructive actions.
  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.getAttribute("data-confirm"))) event.preventDefault();
    });
  });
})();
