// The playground's page: one demo person at a time in a small Slack workspace (#sales, a DM, App Home).
// It long-polls /playground/api/state and posts what the person does; the server turns that into the
// signed requests Slack would send to the bot.
"use strict";

(() => {
  const API = "/playground/api";
  const $ = (id) => document.getElementById(id);
  const params = new URLSearchParams(location.search);

  const page = {
    user: params.get("as") || localStorage.getItem("oppbot.playground.user") || "U0DEMO1",
    tab: params.get("tab") || "dm", // "channel" | "dm" | "home"
    rev: -1,
    state: null,
    poll: null, // AbortController of the running long poll
    nodes: new Map(), // entry id -> {rev, node}
    homeKey: null,
    modalKey: null,
  };

  async function post(path, body) {
    const resp = await fetch(API + path, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ user: page.user, ...body }),
    });
    const data = await resp.json().catch(() => ({}));
    if (!resp.ok) throw new Error(data.error || `HTTP ${resp.status}`);
    return data;
  }

  function userNames() {
    const names = {};
    for (const p of (page.state && page.state.people) || []) names[p.id] = p.name;
    return names;
  }

  function ctxFor(where) {
    return {
      userNames: userNames(),
      onAction: (action, node) => sendAction(action, node, where),
      onSuggest: (query) => post("/suggest", { view: where.view, ...query }).catch(() => ({ options: [] })),
    };
  }

  async function sendAction(action, node, where) {
    const root = node.closest(".bk-root");
    const state = root ? BlockKit.collectState(root) : {};
    node.classList.add("bk-busy");
    try {
      await post("/action", { action, state, ...where });
    } catch (err) {
      flash(err.message);
    } finally {
      node.classList.remove("bk-busy");
    }
  }

  function flash(text) {
    const note = $("conversation-title");
    note.dataset.error = text;
    setTimeout(() => { delete note.dataset.error; }, 4000);
  }

  // ---------------------------------------------------------------- long poll

  async function loop() {
    for (;;) {
      const controller = new AbortController();
      page.poll = controller;
      try {
        const resp = await fetch(`${API}/state?user=${encodeURIComponent(page.user)}&after=${page.rev}`,
          { signal: controller.signal });
        if (!resp.ok) throw new Error(`HTTP ${resp.status}`);
        const state = await resp.json();
        if (state.me.id !== page.user) continue; // answered for the person before the switch
        page.state = state;
        page.rev = state.rev;
        draw();
      } catch (err) {
        if (err.name === "AbortError") continue;
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
  }

  function switchPerson(user) {
    page.user = user;
    localStorage.setItem("oppbot.playground.user", user);
    page.rev = -1;
    page.state = null;
    page.nodes.clear();
    page.homeKey = null;
    page.modalKey = null;
    $("messages").replaceChildren();
    $("home").replaceChildren();
    $("composer-input").disabled = true; // until this person's workspace is in
    if (page.poll) page.poll.abort();
    if (page.tab === "home") openHome();
    document.dispatchEvent(new CustomEvent("playground:person", { detail: user })); // the Teams pane follows
  }

  function switchTab(tab) {
    page.tab = tab;
    if (tab === "home") openHome();
    draw();
  }

  function openHome() {
    post("/home", {}).catch((err) => flash(err.message));
  }

  // ---------------------------------------------------------------- drawing

  function draw() {
    const state = page.state;
    document.body.dataset.user = page.user;
    document.body.dataset.tab = page.tab;
    for (const b of document.querySelectorAll(".nav-item")) b.classList.toggle("active", b.dataset.target === page.tab);
    // Typing is possible once the workspace is known: before that, there is no conversation to send to.
    $("composer-input").disabled = !state;
    if (!state) return;
    drawPeople(state);
    const conv = conversation(state);
    $("messages").hidden = page.tab === "home";
    $("home").hidden = page.tab !== "home";
    $("composer").hidden = page.tab === "home";
    $("conversation-title").textContent = page.tab === "home" ? "oppbot · Home" : conv.name;
    $("composer-input").placeholder = page.tab === "home" ? "" : `Message ${conv.name} — try /opp help`;
    if (page.tab === "home") drawHome(state); else drawMessages(state, conv);
    drawModal(state);
  }

  function conversation(state) {
    const kind = page.tab === "channel" ? "channel" : "dm";
    return state.conversations.find((c) => c.kind === kind);
  }

  function drawPeople(state) {
    const select = $("person");
    if (select.options.length !== state.people.length) {
      select.replaceChildren(...state.people.map((p) => {
        const o = document.createElement("option");
        o.value = p.id;
        o.textContent = `${p.name} (${p.code}, ${p.role})`;
        return o;
      }));
    }
    select.value = page.user;
  }

  function drawMessages(state, conv) {
    const list = $("messages");
    const nearBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 80;
    const before = list.childElementCount;
    const wanted = [];
    for (const entry of state.messages[conv.id] || []) {
      const cached = page.nodes.get(entry.id);
      if (cached && cached.rev === entry.rev && cached.conv === conv.id) {
        wanted.push(cached.node);
        continue;
      }
      const node = messageNode(entry, state);
      page.nodes.set(entry.id, { rev: entry.rev, node, conv: conv.id });
      if (cached && cached.node.parentNode === list) cached.node.replaceWith(node); // in place
      wanted.push(node);
    }
    const current = [...list.children];
    if (current.length !== wanted.length || current.some((n, i) => n !== wanted[i])) list.replaceChildren(...wanted);
    if (nearBottom || list.childElementCount !== before) list.scrollTop = list.scrollHeight;
  }

  function messageNode(entry, state) {
    const node = document.createElement("article");
    node.className = "message";
    node.dataset.entryId = entry.id;
    node.dataset.rev = entry.rev;
    if (entry.ephemeral) node.classList.add("ephemeral");
    if (entry.thread_ts && entry.thread_ts !== entry.ts) node.classList.add("thread-reply");
    const person = state.people.find((p) => p.id === entry.author);
    const head = document.createElement("div");
    head.className = "message-head";
    const author = document.createElement("span");
    author.className = "author";
    author.textContent = person ? person.name : entry.author === "slackbot" ? "Slackbot" : "oppbot";
    head.appendChild(author);
    if (!person && entry.author !== "slackbot") head.appendChild(Object.assign(document.createElement("span"), { className: "app-badge", textContent: "APP" }));
    const when = document.createElement("span");
    when.className = "when";
    const seconds = Number(String(entry.ts).split(".")[0]);
    when.textContent = seconds ? new Date(seconds * 1000).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" }) : "";
    head.appendChild(when);
    if (entry.edited) head.appendChild(Object.assign(document.createElement("span"), { className: "edited", textContent: "(edited)" }));
    node.appendChild(head);
    if (entry.ephemeral) node.appendChild(Object.assign(document.createElement("div"), { className: "only-you", textContent: "Only visible to you" }));
    if (node.classList.contains("thread-reply")) node.appendChild(Object.assign(document.createElement("div"), { className: "thread-note", textContent: "replied in a thread" }));
    const body = document.createElement("div");
    body.className = "bk-root message-body";
    if (entry.blocks && entry.blocks.length) {
      body.appendChild(BlockKit.render(entry.blocks, ctxFor({ entry: entry.id })));
    } else {
      body.appendChild(BlockKit.textNode({ type: "mrkdwn", text: entry.text }, ctxFor({ entry: entry.id })));
    }
    for (const file of entry.files || []) body.appendChild(fileNode(file));
    node.appendChild(body);
    return node;
  }

  // A file the bot uploaded (files.uploadV2): pictures inline, anything else as a link.
  function fileNode(file) {
    const box = document.createElement("figure");
    box.className = "file";
    const caption = document.createElement("figcaption");
    caption.textContent = file.title || file.name;
    box.appendChild(caption);
    if (String(file.mimetype).startsWith("image/")) {
      const img = document.createElement("img");
      img.src = file.url_private;
      img.alt = file.alt_txt || file.title || file.name;
      img.className = "file-image";
      box.appendChild(img);
    } else {
      const link = document.createElement("a");
      link.href = file.url_private;
      link.textContent = file.name;
      box.appendChild(link);
    }
    return box;
  }

  function drawHome(state) {
    const home = $("home");
    const view = state.home;
    const key = view ? `${view.id}:${view.hash}` : "none";
    if (key === page.homeKey) return;
    page.homeKey = key;
    if (!view) {
      home.replaceChildren(Object.assign(document.createElement("p"), { className: "placeholder", textContent: "Opening App Home…" }));
      return;
    }
    const root = document.createElement("div");
    root.className = "bk-root home-view";
    root.dataset.viewId = view.id;
    root.appendChild(BlockKit.render(view.blocks, ctxFor({ view: view.id })));
    home.replaceChildren(root);
  }

  function drawModal(state) {
    const stack = state.modals || [];
    const view = stack[stack.length - 1];
    const key = view ? `${view.id}:${view.hash}` : null;
    $("modal").hidden = !view;
    if (key === page.modalKey) return;
    page.modalKey = key;
    if (!view) return;
    $("modal-title").textContent = BlockKit.plainText(view.title);
    $("modal-submit").hidden = !view.submit;
    $("modal-submit").textContent = view.submit ? BlockKit.plainText(view.submit) : "";
    $("modal-close").textContent = view.close ? BlockKit.plainText(view.close) : "Cancel";
    $("modal-error").textContent = "";
    const root = document.createElement("div");
    root.className = "bk-root";
    root.dataset.viewId = view.id;
    root.appendChild(BlockKit.render(view.blocks, ctxFor({ view: view.id })));
    $("modal-body").replaceChildren(root);
    const first = root.querySelector("input, textarea, select");
    if (first) first.focus();
  }

  function topModal() {
    const stack = (page.state && page.state.modals) || [];
    return stack[stack.length - 1];
  }

  async function submitModal() {
    const view = topModal();
    if (!view) return;
    const root = $("modal-body").querySelector(".bk-root");
    BlockKit.showErrors(root, {});
    $("modal-error").textContent = "";
    if (BlockKit.missingRequired(root, "Please complete this required field.")) return;
    const button = $("modal-submit");
    button.disabled = true;
    try {
      const answer = await post("/submit", { view: view.id, state: BlockKit.collectState(root) });
      if (answer.errors) {
        const unplaced = BlockKit.showErrors(root, answer.errors);
        $("modal-error").textContent = unplaced.join(" ");
      } else if (answer.error) {
        $("modal-error").textContent = answer.error;
      }
    } catch (err) {
      $("modal-error").textContent = err.message;
    } finally {
      button.disabled = false;
    }
  }

  // ---------------------------------------------------------------- wiring

  $("person").addEventListener("change", (ev) => switchPerson(ev.target.value));
  for (const b of document.querySelectorAll(".nav-item")) b.addEventListener("click", () => switchTab(b.dataset.target));
  $("composer").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const input = $("composer-input");
    const text = input.value.trim();
    if (!text || !page.state) return;
    input.value = "";
    try {
      await post("/say", { channel: conversation(page.state).id, text });
    } catch (err) {
      flash(err.message);
      input.value = text;
    }
  });
  $("modal-submit").addEventListener("click", submitModal);
  $("modal-close").addEventListener("click", () => {
    const view = topModal();
    if (view) post("/close", { view: view.id }).catch((err) => flash(err.message));
  });
  document.addEventListener("keydown", (ev) => {
    if (ev.key === "Escape" && !$("modal").hidden) $("modal-close").click();
  });

  // The scheduler's pass now (reminders for what is stalled, a digest for each manager and admin).
  const scan = document.createElement("button");
  scan.type = "button";
  scan.id = "run-scheduler";
  scan.textContent = "Run the scheduler now";
  scan.addEventListener("click", async () => {
    scan.disabled = true;
    try {
      const result = await post("/scan", {});
      const s = result.sent;
      flash(`Sent ${s.reminder} reminder(s), ${s.escalation} escalation(s), ${s.todo} to-do(s), ${s.digest} digest(s)`);
    } catch (err) {
      flash(err.message);
    } finally {
      scan.disabled = false;
    }
  });
  $("controls").append(scan);

  window.PlaygroundPeople = () => (page.state && page.state.people) || []; // names for the Teams pane
  draw();
  if (page.tab === "home") openHome();
  loop();
})();
