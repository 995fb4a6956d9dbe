// The synthesize page: live counts, voice-dependent emotions, sliders, submit and follow a job.
(function () {
  "use strict";
  var UI = window.SynthUI;
  var form = document.getElementById("synth-form");
  if (!form) { return; }
  var strings = UI.data("ui-strings");
  var voices = UI.data("voices-data") || [];
  var text = form.elements.text;
  var limit = Number(text.getAttribute("maxlength")) || 5000;
  // The browser's maxlength would silently cut a long paste; the server enforces the limit.
  text.removeAttribute("maxlength");
  var counter = document.getElementById("char-count");
  var submit = document.getElementById("synth-submit");
  var formError = document.getElementById("form-error");
  var result = document.getElementById("result");
  var progress = document.getElementById("job-progress");
  var percent = document.getElementById("job-percent");
  var statusLine = document.getElementById("job-status");
  var jobError = document.getElementById("job-error");
  var cancel = document.getElementById("job-cancel");
  var audioBox = document.getElementById("job-audio");
  var player = document.getElementById("job-player");
  var autoplayNote = document.getElementById("autoplay-note");
  var stopPolling = null;
  var current = null;

  function updateCount() {
    var count = Array.from(text.value).length;
    counter.textContent = UI.format(strings.chars, { count: count, limit: limit });
    counter.classList.toggle("over", count > limit);
  }
  text.addEventListener("input", updateCount);
  updateCount();

  // Emotions follow the chosen voice.
  var voiceSelect = form.elements.voice;
  var emotionSelect = form.elements.emotion;
  function updateEmotions() {
    var voice = voices.find(function (v) { return v.id === voiceSelect.value; });
    if (!voice) { return; }
    var previous = emotionSelect.value;
    emotionSelect.replaceChildren();
    voice.emotions.forEach(function (emotion) {
      var option = document.createElement("option");
      option.value = emotion.id;
      option.textContent = emotion.label;
      emotionSelect.appendChild(option);
    });
    var keep = voice.emotions.some(function (e) { return e.id === previous; });
    emotionSelect.value = keep ? previous : (voice.emotions[0] || {}).id;
  }
  voiceSelect.addEventListener("change", updateEmotions);
  updateEmotions();

  // Sliders show their value and reset to their default.
  form.querySelectorAll("input[type=range]").forEach(function (slider) {
    var output = document.getElementById(slider.id + "_value");
    function show() {
      var unit = output.getAttribute("data-unit");
      output.textContent = slider.value + (unit ? " " + unit : "");
    }
    slider.addEventListener("input", show);
    show();
    var reset = form.querySelector("[data-reset='" + slider.id + "']");
    if (reset) {
      reset.addEventListener("click", function () {
        slider.value = slider.getAttribute("data-default");
        show();
        slider.focus();
      });
    }
  });

  form.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      if (!submit.disabled) { form.requestSubmit(submit); }
    }
  });

  function showFormError(message) {
    formError.replaceChildren();
    var p = document.createElement("p");
    p.textContent = message;
    formError.appendChild(p);
    formError.hidden = false;
  }

  function render(job) {
    current = job;
    result.hidden = false;
    progress.value = job.percent;
    percent.textContent = job.percent + " %";
    statusLine.textContent = UI.statusText(strings, job);
    cancel.hidden = job.final;
    if (job.error) {
      var title = document.createElement("strong");
      title.textContent = strings.failed;
      var reason = document.createElement("p");
      reason.textContent = job.error;
      jobError.replaceChildren(title, reason);
      jobError.hidden = false;
    }
    if (job.final) {
      submit.disabled = false;
      result.setAttribute("aria-busy", "false");
    }
    if (job.status === "succeeded" && job.audio_url && player.getAttribute("data-job") !== job.id) {
      player.setAttribute("data-job", job.id);
      player.src = job.audio_url;
      document.getElementById("job-duration").textContent = UI.seconds(strings, job.duration);
      document.getElementById("job-synthesis-time").textContent =
        UI.seconds(strings, job.synthesis_seconds);
      document.getElementById("job-download").href = job.download_url;
      document.getElementById("job-detail").href = job.detail_url;
      audioBox.hidden = false;
      var played = player.play();
      if (played && played.catch) {
        played.catch(function (error) {
          // Only a refusal by the browser's autoplay policy needs the hint, not a pause.
          if (!error || error.name !== "NotAllowedError") { return; }
          autoplayNote.textContent = strings.autoplay;
          autoplayNote.hidden = false;
        });
      }
    }
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    formError.hidden = true;
    var count = Array.from(text.value.trim()).length;
    if (!count) { showFormError(strings.empty); text.focus(); return; }
    if (count > limit) { showFormError(UI.format(strings.too_long, { limit: limit })); text.focus(); return; }
    if (stopPolling) { stopPolling(); }
    submit.disabled = true;
    jobError.hidden = true;
    audioBox.hidden = true;
    autoplayNote.hidden = true;
    player.pause();
    player.removeAttribute("data-job");
    result.hidden = false;
    result.setAttribute("aria-busy", "true");
    progress.value = 0;
    percent.textContent = "0 %";
    statusLine.textContent = strings.queued;
    fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      credentials: "same-origin",
      headers: { Accept: "application/json", "X-CSRFToken": UI.csrfToken() },
    })
      .then(function (response) {
        return response.json().catch(function () { return null; }).then(function (body) {
          return { ok: response.ok, body: body };
        });
      })
      .then(function (reply) {
        if (!reply.ok || !reply.body || !reply.body.id) {
          submit.disabled = false;
          result.hidden = true;
          var message = reply.body && reply.body.message ? reply.body.message : strings.server;
          showFormError(message);
          return;
        }
        render(reply.body);
        var url = form.getAttribute("data-status-url-template")
          .replace("00000000-0000-0000-0000-000000000000", reply.body.id);
        stopPolling = UI.poll(url, render, function () {
          submit.disabled = false;
          jobError.textContent = strings.network;
          jobError.hidden = false;
        });
      })
      .catch(function () {
        submit.disabled = false;
        result.hidden = true;
        showFormError(strings.network);
      });
  });

  cancel.addEventListener("click", function () {
    if (!current) { return; }
    cancel.disabled = true;
    statusLine.textContent = strings.cancelling;
    fetch(current.cancel_url, {
      method: "POST",
      credentials: "same-origin",
      headers: { Accept: "application/json", "X-CSRFToken": UI.csrfToken() },
    })
      .then(function (response) { return response.json(); })
      .then(function (job) {
        cancel.disabled = false;
        if (job && job.id) { render(job); }
        else if (job && job.message) { jobError.textContent = job.message; jobError.hidden = false; }
      })
      .catch(function () {
        cancel.disabled = false;
        jobError.textContent = strings.network;
        jobError.hidden = false;
      });
  });
})();
