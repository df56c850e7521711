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

  // The buy page: the delivery address only for a parcel, its postcode only where the
  // country has them. Without this file the address is always there, and left alone for
  // a pickup.
  document.querySelectorAll("[data-address]").forEach(function (box) {
    var form = box.closest("form");
    var country = box.querySelector('select[name="country"]');
    var postcode = box.querySelector('input[name="postcode"]');
    var noPostcode = (box.getAttribute("data-no-postcode") || "").split(" ");
    var ways = form.querySelectorAll('input[name="fulfilment"]');
    var sync = function () {
      var chosen = form.querySelector('input[name="fulfilment"]:checked');
      var shipped = chosen ? chosen.value === "shipping" : ways.length === 1;
      box.hidden = !shipped;
      box.disabled = !shipped;
      box.querySelectorAll("[data-required]").forEach(function (input) {
        var optional = input === postcode && country && noPostcode.indexOf(country.value) >= 0;
        input.required = shipped && !optional;
      });
    };
    ways.forEach(function (way) { way.addEventListener("change", sync); });
    if (country) country.addEventListener("change", sync);
    sync();
  });

  // Ask before destructive actions.
  // Live updates: a conversation page's stream adds new lines as they arrive (the page
  // already works without it: reload to see what is new); every signed-in page keeps its
  // header's unread count true. Server-sent events; the browser reconnects by itself.
  var setUnread = function (total) {
    document.querySelectorAll("[data-unread]").forEach(function (badge) {
      badge.textContent = total > 99 ? "99+" : String(total);
      badge.hidden = !total;
    });
  };
  // A stream is open only while its page is in view: a browser allows a handful of
  // connections per site, and tabs in the background must not take them all.
  var whileVisible = function (url, listen) {
    var source = null;
    var sync = function () {
      if (document.hidden && source) { source.close(); source = null; }
      else if (!document.hidden && !source) { source = new EventSource(url()); listen(source); }
    };
    document.addEventListener("visibilitychange", sync);
    sync();
  };
  var chat = document.getElementById("chat");
  if ("EventSource" in window && chat && chat.getAttribute("data-live")) {
    var csrfMeta = document.querySelector('meta[name="csrf-token"]');
    var markRead = function () {
      if (document.hidden || !csrfMeta) return;
      fetch("/api/v1/conversations/" + chat.getAttribute("data-conversation") + "/read", {
        method: "POST", credentials: "same-origin",
        headers: { "X-CSRF-Token": csrfMeta.getAttribute("content") }
      });
    };
    var lastId = function () {
      var lines = chat.querySelectorAll("[data-id]");
      return lines.length ? lines[lines.length - 1].getAttribute("data-id") : "0";
    };
    var base = chat.getAttribute("data-live").split("?")[0];
    whileVisible(function () { return base + "?after=" + lastId(); }, function (source) {
      source.addEventListener("line", function (event) {
        var data = JSON.parse(event.data);
        if (document.getElementById("m" + data.id)) return;
        var empty = document.getElementById("chat-empty");
        if (empty) empty.remove();
        var holder = document.createElement("ol");
        holder.innerHTML = data.html;
        while (holder.firstElementChild) chat.appendChild(holder.firstElementChild);
        chat.lastElementChild.scrollIntoView({ block: "end", behavior: "smooth" });
        markRead();
      });
      source.addEventListener("unread", function (event) { setUnread(JSON.parse(event.data).total); });
    });
    document.addEventListener("visibilitychange", markRead);
  } else if ("EventSource" in window && document.querySelector("[data-unread]")) {
    whileVisible(function () { return "/api/v1/conversations/live"; }, function (source) {
      source.addEventListener("unread", function (event) { setUnread(JSON.parse(event.data).total); });
    });
  }
  var body = document.getElementById("body");
  if (body && body.form && body.form.id === "compose") {
    body.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing && body.value.trim()) {
        event.preventDefault();
        body.form.requestSubmit();
      }
    });
  }

  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.getAttribute("data-confirm"))) event.preventDefault();
    });
  });
})();
