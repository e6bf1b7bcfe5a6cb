// Live progress of the three regions while a report is issued (progressive: without this script the form posts
// to /account/report and the page answers when all regions have). The form is sent to its data-stream URL with
// fetch, and the text/event-stream body is read as it arrives (EventSource cannot POST). Every label comes from
// the server, in the page's language.
"use strict";
(function () {
  var form = document.getElementById("report-form");
  if (!form || !window.fetch || !window.TextDecoder || !window.FormData) { return; }
  var progress = document.getElementById("progress");
  var live = document.getElementById("live");
  var choice = document.getElementById("choice");
  var submit = document.getElementById("submit");

  function region(code) { return document.querySelector('#regions li[data-region="' + code + '"]'); }

  function show(code, state, label, name) {
    var item = region(code);
    if (!item) { return; }
    item.setAttribute("data-state", state);
    item.querySelector(".state").textContent = label;
    if (name) { live.textContent = name + " — " + label; }
  }

  function busy(on) {
    submit.disabled = on;
    form.querySelectorAll("#choice button").forEach(function (b) { b.disabled = on; });
    form.setAttribute("aria-busy", on ? "true" : "false");
  }

  function handle(name, data) {
    if (name === "start") {
      data.regions.forEach(function (r) { show(r.code, "waiting", r.label); });
    } else if (name === "region") {
      show(data.code, data.state, data.label, data.name);
    } else if (name === "issued") {
      live.textContent = data.report_no;
      if (data.code) {  // a session without an owner key: the code is shown this once
        live.textContent = data.report_no + " · " + data.code;
        return;
      }
      window.location.assign(data.url);
    } else if (name === "pending") {  // departments are confirming (financial edition): their page
      live.textContent = data.message;
      window.location.assign(data.url);
    } else if (name === "incomplete") {
      live.textContent = data.message;
      choice.hidden = false;
      choice.querySelector("button").focus();
    } else if (name === "failed") {
      live.textContent = data.message;
    }
  }

  function parse(block) {
    var name = "message", data = "";
    block.split("\n").forEach(function (line) {
      if (line.indexOf("event:") === 0) { name = line.slice(6).trim(); }
      else if (line.indexOf("data:") === 0) { data += line.slice(5).trim(); }
    });
    if (data) { handle(name, JSON.parse(data)); }
  }

  form.addEventListener("submit", function (event) {
    var body = new URLSearchParams(new FormData(form, event.submitter || undefined));
    event.preventDefault();
    progress.hidden = false;
    choice.hidden = true;
    busy(true);
    fetch(form.getAttribute("data-stream"), {
      method: "POST", body: body, credentials: "same-origin",
      headers: {"Accept": "text/event-stream", "X-CSRF-Token": body.get("csrf_token")}
    }).then(function (response) {
      if (!response.ok || !response.body) {
        busy(false);
        form.submit();  // the server renders the form with the field at fault named
        return null;
      }
      var reader = response.body.getReader(), decoder = new TextDecoder(), buffer = "";
      function pump() {
        return reader.read().then(function (chunk) {
          if (chunk.done) { busy(false); return null; }
          buffer += decoder.decode(chunk.value, {stream: true});
          var end;
          while ((end = buffer.indexOf("\n\n")) >= 0) {
            parse(buffer.slice(0, end));
            buffer = buffer.slice(end + 2);
          }
          return pump();
        });
      }
      return pump();
    }).catch(function () { busy(false); form.submit(); });
  });
})();
