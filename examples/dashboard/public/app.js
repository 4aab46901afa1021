// The dashboard page: plain DOM and EventSource, no framework.
const $ = (selector, root = document) => root.querySelector(selector);

function make(tag, props = {}, ...children) {
  const node = Object.assign(document.createElement(tag), props);
  node.append(...children);
  return node;
}

// The containers table, live: the server sends the whole list on every container or task event.
const containers = new EventSource("/api/containers");
containers.addEventListener("containers", (event) => {
  const rows = JSON.parse(event.data);
  $("#containers tbody").replaceChildren(
    ...rows.map((row) => {
      const tr = make(
        "tr",
        { className: row.job ? "job" : "" },
        make("td", { textContent: row.id }),
        make("td", { textContent: row.image }),
        make("td", { textContent: row.task ? row.task.status : "—" }),
        make("td", { textContent: row.task ? String(row.task.pid) : "" }),
      );
      tr.dataset.id = row.id;
      return tr;
    }),
  );
  $("#count").textContent = `(${rows.length})`;
  $("#empty").hidden = rows.length > 0;
});

// Start a job: POST, then follow its events.
$("#start").addEventListener("submit", async (event) => {
  event.preventDefault();
  $("#form-error").textContent = "";
  const body = { image: $("#image").value, command: $("#command").value };
  const res = await fetch("/api/jobs", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  const answer = await res.json();
  if (!res.ok) {
    $("#form-error").textContent = answer.message ?? `HTTP ${res.status}`;
    return;
  }
  follow(answer.id, body.command);
});

function follow(id, command) {
  const output = make("pre", { className: "output" });
  const status = make("span", { className: "status", textContent: "starting" });
  const kill = make("button", { className: "kill", textContent: "Kill" });
  const card = make(
    "section",
    { className: "job-card", id: `job-${id}` },
    make("header", {}, make("span", { textContent: id }), make("code", { textContent: command }), status, kill),
    output,
  );
  card.dataset.id = id;
  $("#jobs").prepend(card);

  const source = new EventSource(`/api/jobs/${encodeURIComponent(id)}/events`);
  const done = (text, className) => {
    status.textContent = text;
    status.classList.add(className);
    kill.disabled = true;
    source.close(); // the stream is over; don't let EventSource reconnect
  };
  source.addEventListener("started", (e) => (status.textContent = `running (pid ${JSON.parse(e.data).pid})`));
  source.addEventListener("line", (e) => {
    const { stream, line } = JSON.parse(e.data);
    output.append(make("span", { className: stream, textContent: `${line}\n` }));
    output.scrollTop = output.scrollHeight;
  });
  source.addEventListener("exited", (e) => {
    const { exitCode } = JSON.parse(e.data);
    card.dataset.exitCode = String(exitCode);
    done(`exit code ${exitCode}`, "exited");
  });
  source.addEventListener("failed", (e) => done(`failed: ${JSON.parse(e.data).message}`, "failed"));

  kill.addEventListener("click", async () => {
    kill.disabled = true;
    const res = await fetch(`/api/jobs/${encodeURIComponent(id)}/kill`, { method: "POST" });
    if (!res.ok) {
      status.textContent = `kill failed: ${(await res.json()).message ?? res.status}`;
      kill.disabled = false;
    }
  });
}
