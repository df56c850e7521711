// Small progressive enhancements; every page works without this file.
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  // The words this file shows, in the page's language (templates/base.html, #ui-text's data-words);
  // the English is the fallback.
  var words = {};
  try {
    var source = document.getElementById("ui-text");
    if (source) words = JSON.parse(source.getAttribute("data-words")) || {};
  } catch (e) { words = {}; }
  var t = function (key, english) {
    return typeof words[key] === "string" && words[key] ? words[key] : english;
  };

  // "Use my current location": fill the hidden lat/lon fields from the browser.
  // The select's option for it is "geolocation" (profile, sell) or "here" (search).
  document.querySelectorAll("[data-geo]").forEach(function (box) {
    var button = box.querySelector("[data-geo-button]");
    var select = box.querySelector("select");
    var option = select.querySelector('option[value="geolocation"], option[value="here"]');
    var lat = box.querySelector("[data-geo-lat]");
    var lon = box.querySelector("[data-geo-lon]");
    var status = box.querySelector("[data-geo-status]");
    if (!button || !option || !("geolocation" in navigator)) return;
    var say = function (text) { status.hidden = false; status.textContent = text; };
    var previous = select.value;
    var locate = function () {
      say(t("geo_finding", "Finding where you are…"));
      navigator.geolocation.getCurrentPosition(function (pos) {
        lat.value = pos.coords.latitude.toFixed(5);
        lon.value = pos.coords.longitude.toFixed(5);
        option.hidden = false;
        select.value = option.value;
        previous = option.value;
        select.dispatchEvent(new Event("change", { bubbles: true }));
        say(option.value === "here"
          ? t("geo_here", "Using your current location.")
          : t("geo_used", "Using your current location. Others see only the nearest place name."));
      }, function () {
        select.value = previous === option.value && !lat.value ? select.options[0].value : previous;
        say(t("geo_failed", "We could not get your location; choose a place from the list instead."));
      }, { timeout: 10000, maximumAge: 600000 });
    };
    button.hidden = false;
    button.addEventListener("click", locate);
    select.addEventListener("change", function () {
      if (select.value === option.value && !lat.value) locate();
      else previous = select.value;
    });
  });

  // Show the chosen photos before they are uploaded.
  document.querySelectorAll("[data-photo-preview]").forEach(function (input) {
    var box = input.parentElement.querySelector("[data-previews]");
    if (!box || !window.URL) return;
    var room = parseInt(input.getAttribute("data-max-photos"), 10) || 10;
    input.addEventListener("change", function () {
      box.innerHTML = "";
      Array.prototype.slice.call(input.files, 0, room).forEach(function (file) {
        var img = document.createElement("img");
        img.alt = file.name;
        img.src = URL.createObjectURL(file);
        box.appendChild(img);
      });
    });
  });

  // Search: one tidy, shareable address (no empty fields), sort applies at once,
  // distance and "nearest" only with a place, and "Load more" appends in place.
  document.querySelectorAll("form[data-search-form]").forEach(function (form) {
    var place = form.querySelector("[data-place]");
    var radius = form.querySelector("[data-radius]");
    var nearest = form.querySelector("[data-needs-place]");
    var sync = function () {
      if (!place) return;
      var anywhere = place.value === "anywhere";
      if (radius) {
        radius.disabled = anywhere;
        if (anywhere) radius.value = "";
      }
      if (nearest) {
        nearest.disabled = anywhere;
        if (anywhere && nearest.selected) nearest.parentNode.value = "best";
      }
    };
    if (place) place.addEventListener("change", sync);
    sync();

    form.addEventListener("submit", function (event) {
      var params = new URLSearchParams();
      new FormData(form).forEach(function (value, name) {
        if (typeof value !== "string" || value === "") return;
        if ((name === "lat" || name === "lon") && (!place || place.value !== "here")) return;
        params.append(name, value);
      });
      event.preventDefault();
      window.location.assign(form.getAttribute("action") + "?" + params.toString());
    });

    form.querySelectorAll("[data-autosubmit]").forEach(function (select) {
      select.addEventListener("change", function () {
        if (form.requestSubmit) form.requestSubmit(); else form.submit();
      });
    });

    var details = form.querySelector("[data-filters]");
    if (details) {
      var wide = window.matchMedia("(min-width: 900px)");
      if (wide.matches) details.open = true;
      document.addEventListener("click", function (event) {
        if (!wide.matches && details.open && !details.contains(event.target)) details.open = false;
      });
      details.querySelectorAll("[data-close-filters]").forEach(function (button) {
        button.addEventListener("click", function (event) {
          event.preventDefault();
          details.open = false;
        });
      });
      document.addEventListener("keydown", function (event) {
        if (event.key === "Escape" && !wide.matches && details.open) details.open = false;
      });
    }
  });

  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("[data-load-more]");
    if (!link || !window.fetch || !window.DOMParser) return;
    event.preventDefault();
    var grid = document.querySelector("[data-results]");
    link.setAttribute("aria-busy", "true");
    link.textContent = t("loading", "Loading…");
    fetch(link.href, { credentials: "same-origin" }).then(function (response) {
      if (!response.ok) throw new Error(response.status);
      return response.text();
    }).then(function (html) {
      var next = new DOMParser().parseFromString(html, "text/html");
      var cards = next.querySelectorAll("[data-results] > *");
      cards.forEach(function (card) { grid.appendChild(document.adoptNode(card)); });
      var more = next.querySelector("[data-load-more]");
      if (more) {
        link.href = more.href;
        link.textContent = t("load_more", "Load more");
        link.removeAttribute("aria-busy");
      } else {
        link.parentNode.remove();
      }
    }).catch(function () {
      window.location.assign(link.href);
    });
  });

  // Ask before destructive actions.
  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.getAttribute("data-confirm"))) event.preventDefault();
    });
  });
})();
