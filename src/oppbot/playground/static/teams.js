// The playground's Teams pane: the selected demo person's 1:1 chat with the bot, as Teams shows it.
// It long-polls /playground/api/teams/state and posts what the person types or clicks; the server
// signs each as the Bot Framework would and sends it to the bot's /api/messages. Cards are drawn by
// adaptivecards.js; a card the bot updates, or a click's answer, replaces it in place.
"use strict";

(() => {
  const API = "/playground/api/teams";
  const CARD = "application/vnd.microsoft.card.adaptive";
  const $ = (id) => document.getElementById(id);
  const params = new URLSearchParams(location.search);

  const chat = {
    user: document.body.dataset.user || params.get("as") || "U0DEMO1",
    rev: -1,
    state: null,
    poll: null,
    nodes: new Map(), // entry id -> {rev, node}
    refreshed: new Set(), // entries whose automatic refresh was asked for
    opened: true, // the next state is the chat as it is opened: its cards refresh themselves
  };
  const AUTO_REFRESH_MAX = 10; // the newest cards refreshed when a chat is opened

  async function post(path, body) {
    const resp = await fetch(API + path, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ user: chat.user, ...body }),
    });
    const data = await resp.json().catch(() => ({}));
    if (!resp.ok) throw new Error(data.error || `HTTP ${resp.status}`);
    return data;
  }

  function flash(text) {
    const note = $("teams-error");
    note.textContent = text;
    setTimeout(() => { if (note.textContent === text) note.textContent = ""; }, 5000);
  }

  // ---------------------------------------------------------------- long poll

  async function loop() {
    for (;;) {
      const controller = new AbortController();
      chat.poll = controller;
      try {
        const resp = await fetch(`${API}/state?user=${encodeURIComponent(chat.user)}&after=${chat.rev}`,
          { signal: controller.signal });
        if (!resp.ok) throw new Error(`HTTP ${resp.status}`);
        const state = await resp.json();
        if (state.me.id !== chat.user) continue; // answered for the person before the switch
        chat.state = state;
        chat.rev = state.rev;
        draw();
      } catch (err) {
        if (err.name === "AbortError") continue;
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
  }

  function switchPerson(user) {
    if (user === chat.user) return;
    chat.user = user;
    chat.rev = -1;
    chat.state = null;
    chat.nodes.clear();
    chat.refreshed.clear();
    chat.opened = true;
    $("teams-messages").replaceChildren();
    if (chat.poll) chat.poll.abort();
  }

  // ---------------------------------------------------------------- drawing

  function draw() {
    const state = chat.state;
    document.body.dataset.teamsUser = chat.user;
    if (!state) return;
    const list = $("teams-messages");
    const nearBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 80;
    const before = list.childElementCount;
    const wanted = [];
    for (const entry of state.messages) {
      const cached = chat.nodes.get(entry.id);
      if (cached && cached.rev === entry.rev) {
        wanted.push(cached.node);
        continue;
      }
      const node = messageNode(entry, state);
      chat.nodes.set(entry.id, { rev: entry.rev, node });
      if (cached && cached.node.parentNode === list) cached.node.replaceWith(node); // in place
      wanted.push(node);
    }
    if (chat.opened) autoRefresh(state);
    chat.opened = false;
    if (!state.messages.length) {
      wanted.push(Object.assign(document.createElement("p"), {
        className: "teams-empty", textContent: "Say something to oppbot — try: list, show OP000001, help",
      }));
    }
    const current = [...list.children];
    if (current.length !== wanted.length || current.some((n, i) => n !== wanted[i])) list.replaceChildren(...wanted);
    if (nearBottom || list.childElementCount !== before) list.scrollTop = list.scrollHeight;
  }

  function personName(id) {
    const people = (window.PlaygroundPeople && window.PlaygroundPeople()) || [];
    const person = people.find((p) => p.id === id);
    return person ? person.name : id;
  }

  function messageNode(entry, state) {
    const mine = entry.author === state.me.id;
    const node = document.createElement("article");
    node.className = `teams-message ${mine ? "teams-mine" : "teams-bot"}`;
    node.dataset.entryId = entry.id;
    node.dataset.rev = entry.rev;
    const head = document.createElement("div");
    head.className = "teams-message-head";
    const author = entry.author === "bot" ? "oppbot" : entry.author === "teams" ? "Microsoft Teams" : personName(entry.author);
    head.append(Object.assign(document.createElement("span"), { className: "teams-author", textContent: mine ? "" : author }));
    const when = new Date(entry.at * 1000).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
    head.append(Object.assign(document.createElement("span"), { className: "teams-when", textContent: when }));
    if (entry.rev > 0 && entry.author === "bot") {
      head.append(Object.assign(document.createElement("span"), { className: "teams-edited", textContent: "Updated" }));
    }
    node.appendChild(head);
    const bubble = document.createElement("div");
    bubble.className = "teams-bubble";
    if (entry.text) bubble.appendChild(Object.assign(document.createElement("div"), { className: "teams-text", textContent: entry.text }));
    for (const attachment of entry.attachments) bubble.appendChild(attachmentNode(attachment, entry));
    node.appendChild(bubble);
    return node;
  }

  function attachmentNode(attachment, entry) {
    if (attachment.contentType === CARD) {
      return AdaptiveCards.render(attachment.content, {
        onExecute: (action, data, button) => execute(entry, action.verb, data, button),
      });
    }
    if (String(attachment.contentType).startsWith("image/")) {
      const img = document.createElement("img");
      img.className = "teams-image";
      img.src = attachment.contentUrl;
      img.alt = attachment.name || "";
      return img;
    }
    const node = document.createElement("div");
    node.className = "ac-unsupported";
    node.textContent = `unsupported attachment: ${attachment.contentType}`;
    return node;
  }

  async function execute(entry, verb, data, button, trigger) {
    if (button) button.classList.add("ac-busy");
    try {
      const answer = await post("/execute", { entry: entry.id, verb, data, trigger: trigger || "manual" });
      if (answer.error) flash(answer.error);
      else if (answer.message) flash(answer.message);
    } catch (err) {
      flash(err.message);
    } finally {
      if (button) button.classList.remove("ac-busy");
    }
  }

  // A card with a `refresh` asks the bot for its fresh self when it is shown (in a chat of fewer than 60
  // people Teams does so for everyone, else for the `userIds` named): here, the newest cards of a chat
  // when it is opened, once each (cards that arrive later are fresh, and live cards are updated anyway).
  function autoRefresh(state) {
    const due = [];
    for (const entry of state.messages) {
      for (const attachment of entry.attachments) {
        const refresh = attachment.contentType === CARD && attachment.content && attachment.content.refresh;
        if (!refresh || !refresh.action || chat.refreshed.has(entry.id)) continue;
        if (refresh.userIds && !refresh.userIds.includes(state.me.teams_id)) continue;
        due.push([entry, refresh.action]);
      }
    }
    for (const [entry, action] of due.slice(-AUTO_REFRESH_MAX)) {
      chat.refreshed.add(entry.id);
      execute(entry, action.verb, action.data || {}, null, "automatic");
    }
  }

  // ---------------------------------------------------------------- the pane switch at phone width

  function showPane(pane) {
    document.body.dataset.pane = pane;
    for (const b of document.querySelectorAll("#pane-tabs button")) b.classList.toggle("active", b.dataset.pane === pane);
  }

  // ---------------------------------------------------------------- wiring

  document.addEventListener("playground:person", (ev) => switchPerson(ev.detail));
  for (const b of document.querySelectorAll("#pane-tabs button")) b.addEventListener("click", () => showPane(b.dataset.pane));
  $("teams-composer").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const input = $("teams-input");
    const text = input.value.trim();
    if (!text) return;
    input.value = "";
    try {
      const answer = await post("/say", { text });
      if (answer.status !== 200) flash(`HTTP ${answer.status}`);
    } catch (err) {
      flash(err.message);
      input.value = text;
    }
  });

  showPane(params.get("pane") === "teams" ? "teams" : "slack");
  draw();
  loop();
})();
