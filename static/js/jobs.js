// A background job's page: polls the job's JSON every second until it is finished and
// moves the progress bar (role="progressbar"), the live text, the result link or the
// error and the retry button. The page itself shows the state it was loaded in, so a
// reload loses nothing.
document.addEventListener("DOMContentLoaded", () => {
  const root = document.getElementById("job");
  if (!root) return;
  const progress = document.getElementById("job-progress");
  const bar = progress.querySelector(".progress-bar");
  const status = document.getElementById("job-status");
  const text = document.getElementById("job-text");
  const error = document.getElementById("job-error");
  const result = document.getElementById("job-result");
  const link = document.getElementById("job-result-link");
  const retry = document.getElementById("job-retry");

  const show = (state) => {
    bar.style.width = `${state.percent}%`;
    bar.textContent = `${state.percent} %`;
    progress.setAttribute("aria-valuenow", state.percent);
    progress.setAttribute("aria-valuetext", state.text);
    if (status.textContent !== state.status_label) status.textContent = state.status_label;
    if (text.textContent !== state.text) text.textContent = state.text;
    bar.classList.toggle("progress-bar-striped", !state.finished);
    bar.classList.toggle("progress-bar-animated", !state.finished);
    bar.classList.toggle("bg-danger", state.status === "failed");
    bar.classList.toggle("bg-success", state.status === "succeeded");
    error.hidden = !state.error;
    if (error.textContent !== state.error) error.textContent = state.error;
    result.hidden = !state.result_url;
    if (state.result_url) link.href = state.result_url;
    retry.hidden = !state.may_retry;
  };

  bar.style.width = `${bar.dataset.width}%`;
  if (root.dataset.finished === "true") return;
  const poll = async () => {
    try {
      const response = await fetch(root.dataset.statusUrl, {
        headers: { Accept: "application/json" }, credentials: "same-origin", cache: "no-store",
      });
      if (response.ok) {
        const state = await response.json();
        show(state);
        if (state.finished) return;
      }
    } catch (exception) {
      // The server did not answer this time: ask again.
    }
    window.setTimeout(poll, 1000);
  };
  window.setTimeout(poll, 500);
});
