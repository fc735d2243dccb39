// A small Block Kit renderer: Slack's JSON (messages, modals, App Home) as DOM, plain JavaScript.
// Anything it does not know is drawn as a visible `.bk-unsupported` marker (the tests look for it).
"use strict";

const BlockKit = (() => {
  const EMOJI = {
    warning: "⚠️", white_check_mark: "✅", x: "❌", trophy: "🏆", chart_with_upwards_trend: "📈",
    bell: "🔔", hourglass: "⏳", hourglass_flowing_sand: "⏳", calendar: "📅", moneybag: "💰",
    red_circle: "🔴", large_green_circle: "🟢", large_yellow_circle: "🟡", star: "⭐", tada: "🎉",
    memo: "📝", mag: "🔍", arrow_right: "➡️", arrow_left: "⬅️", information_source: "ℹ️",
    no_entry: "⛔", lock: "🔒", zzz: "💤", fire: "🔥", snail: "🐌", eyes: "👀", wave: "👋",
  };

  let seq = 0;
  const uid = (prefix) => `${prefix}-${++seq}`;

  function el(tag, cls, text) {
    const node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  function emoji(text) {
    return text.replace(/:([a-z0-9_+-]+):/g, (m, name) => EMOJI[name] || m);
  }

  // Slack's entities (&amp; &lt; &gt;) arrive escaped; raw '<' only opens a link, a mention or a channel.
  function mrkdwnHtml(text, users) {
    const parts = String(text).split(/<([^<>]*)>/);
    let html = "";
    for (let i = 0; i < parts.length; i++) {
      if (i % 2 === 0) {
        html += formatPlain(parts[i]);
        continue;
      }
      const [target, label] = splitLink(parts[i]);
      if (target.startsWith("@")) {
        const id = target.slice(1);
        html += `<span class="bk-mention">@${escapeHtml(label || (users && users[id]) || id)}</span>`;
      } else if (target.startsWith("#")) {
        html += `<span class="bk-mention">#${escapeHtml(label || target.slice(1))}</span>`;
      } else if (target.startsWith("!")) {
        html += `<span class="bk-mention">@${escapeHtml(target.slice(1).split("^")[0])}</span>`;
      } else if (/^(https?|mailto):/i.test(target)) {
        html += `<a href="${escapeAttr(target)}" target="_blank" rel="noopener">${formatPlain(label || target)}</a>`;
      } else {
        html += formatPlain(label || target);
      }
    }
    return html;
  }

  function splitLink(inner) {
    const bar = inner.indexOf("|");
    return bar < 0 ? [inner, ""] : [inner.slice(0, bar), inner.slice(bar + 1)];
  }

  function escapeHtml(text) {
    return String(text).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
  }

  function escapeAttr(text) {
    return escapeHtml(text.replace(/&amp;/g, "&").replace(/&lt;/g, "<").replace(/&gt;/g, ">"));
  }

  // Text between links: keep Slack's entities, refuse any raw markup, then *bold*, _italic_, ~strike~,
  // `code`, ```pre``` and > quotes.
  function formatPlain(text) {
    let s = String(text).replace(/&(?!(amp|lt|gt|quot|#\d+);)/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
    s = s.replace(/"/g, "&quot;");
    const pres = [];
    s = s.replace(/```([\s\S]*?)```/g, (m, code) => { pres.push(code); return `\u0000P${pres.length - 1}\u0000`; });
    const codes = [];
    s = s.replace(/`([^`\n]+)`/g, (m, code) => { codes.push(code); return `\u0000C${codes.length - 1}\u0000`; });
    s = emoji(s);
    s = s.replace(/(^|[\s(>~_])\*([^*\n]+)\*(?=$|[\s).,:;!?~_<])/g, "$1<b>$2</b>");
    s = s.replace(/(^|[\s(>*~])_([^_\n]+)_(?=$|[\s).,:;!?*~<])/g, "$1<i>$2</i>");
    s = s.replace(/(^|[\s(>*_])~([^~\n]+)~(?=$|[\s).,:;!?*_<])/g, "$1<s>$2</s>");
    s = s.split("\n").map((line) => line.startsWith("&gt; ") ? `<span class="bk-quote">${line.slice(5)}</span>` : line).join("<br>");
    s = s.replace(/\u0000C(\d+)\u0000/g, (m, i) => `<code>${codes[Number(i)]}</code>`);
    s = s.replace(/\u0000P(\d+)\u0000/g, (m, i) => `<pre>${pres[Number(i)]}</pre>`);
    return s;
  }

  function textNode(obj, ctx, cls) {
    const node = el("div", cls || "bk-text");
    if (!obj) return node;
    if (obj.type === "mrkdwn" && !obj.verbatim) {
      node.innerHTML = mrkdwnHtml(obj.text || "", ctx && ctx.userNames);
    } else if (obj.type === "mrkdwn") {
      node.innerHTML = formatPlain(obj.text || "");
    } else if (obj.type === "plain_text") {
      node.textContent = obj.emoji === false ? obj.text : emoji(obj.text || "");
    } else {
      return unsupported("text", obj.type);
    }
    return node;
  }

  function plainText(obj) {
    return obj ? emoji(obj.text || "") : "";
  }

  function unsupported(kind, type) {
    const node = el("div", "bk-unsupported", `unsupported ${kind}: ${type}`);
    node.dataset.type = String(type);
    return node;
  }

  // ---------------------------------------------------------------- elements

  // Every interactive element carries what its state and its action need.
  function interactive(node, element, blockId) {
    node.classList.add("bk-element");
    node.dataset.actionId = element.action_id || uid("action");
    node.dataset.blockId = blockId;
    node.dataset.type = element.type;
    return node;
  }

  function optionsOf(element) {
    if (element.option_groups) {
      return element.option_groups.flatMap((g) => g.options.map((o) => ({ ...o, group: plainText(g.label) })));
    }
    return element.options || [];
  }

  function button(element, blockId, ctx) {
    const node = interactive(el("button", "bk-button"), element, blockId);
    node.type = "button";
    node.textContent = plainText(element.text);
    if (element.style) node.classList.add(`bk-${element.style}`);
    if (element.url) node.dataset.url = element.url;
    node.addEventListener("click", () => {
      if (element.url) window.open(element.url, "_blank", "noopener");
      const action = { type: "button", action_id: node.dataset.actionId, block_id: blockId, text: element.text };
      if (element.value !== undefined) action.value = element.value;
      if (element.style) action.style = element.style;
      ctx.onAction(action, node);
    });
    return node;
  }

  // A <select> that starts with the element's placeholder as its empty choice.
  function selectNode(element, blockId, fallback) {
    const node = interactive(el("select", "bk-select"), element, blockId);
    const placeholder = el("option", null, plainText(element.placeholder) || fallback);
    placeholder.value = "";
    node.appendChild(placeholder);
    return node;
  }

  function staticSelect(element, blockId, ctx, dispatch) {
    const node = selectNode(element, blockId, "Select an item");
    const options = optionsOf(element);
    let parent = node;
    let group = null;
    for (const o of options) {
      if (o.group !== undefined && o.group !== group) {
        group = o.group;
        parent = el("optgroup");
        parent.label = group;
        node.appendChild(parent);
      }
      const opt = el("option", null, plainText(o.text));
      opt.value = o.value;
      parent.appendChild(opt);
    }
    node.value = element.initial_option ? element.initial_option.value : "";
    node._options = options;
    if (dispatch) {
      node.addEventListener("change", () => {
        const chosen = options.find((o) => o.value === node.value);
        if (!chosen) return;
        ctx.onAction({
          type: element.type, action_id: node.dataset.actionId, block_id: blockId,
          selected_option: { text: chosen.text, value: chosen.value },
        }, node);
      });
    }
    return node;
  }

  function usersSelect(element, blockId, ctx, dispatch) {
    const node = selectNode(element, blockId, "Select a person");
    for (const [id, name] of Object.entries(ctx.userNames || {})) {
      const opt = el("option", null, name);
      opt.value = id;
      node.appendChild(opt);
    }
    node.value = element.initial_user || "";
    if (dispatch) {
      node.addEventListener("change", () => {
        ctx.onAction({ type: "users_select", action_id: node.dataset.actionId, block_id: blockId, selected_user: node.value }, node);
      });
    }
    return node;
  }

  // An external select: a search box whose options come from the app (block_suggestion).
  function externalSelect(element, blockId, ctx, dispatch) {
    const node = interactive(el("div", "bk-external"), element, blockId);
    const input = el("input", "bk-input bk-external-input");
    input.type = "text";
    input.autocomplete = "off";
    input.placeholder = plainText(element.placeholder) || "Type to search";
    const list = el("ul", "bk-external-options");
    list.hidden = true;
    node.append(input, list);
    node._selected = element.initial_option || null;
    if (node._selected) input.value = plainText(node._selected.text);
    const minLength = element.min_query_length === undefined ? 3 : element.min_query_length;
    let asked = 0;
    const choose = (option) => {
      node._selected = { text: option.text, value: option.value };
      input.value = plainText(option.text);
      list.hidden = true;
      if (dispatch) {
        ctx.onAction({ type: "external_select", action_id: node.dataset.actionId, block_id: blockId,
          selected_option: node._selected }, node);
      }
    };
    input.addEventListener("input", async () => {
      node._selected = null;
      const query = input.value;
      if (query.length < minLength) { list.hidden = true; return; }
      const mine = ++asked;
      const answer = await ctx.onSuggest({ action_id: node.dataset.actionId, block_id: blockId, value: query });
      if (mine !== asked) return; // a later keystroke asked again
      list.replaceChildren();
      const options = answer.option_groups
        ? answer.option_groups.flatMap((g) => g.options) : (answer.options || []);
      for (const o of options) {
        const item = el("li", "bk-external-option", plainText(o.text));
        item.dataset.value = o.value;
        item.addEventListener("mousedown", (ev) => { ev.preventDefault(); choose(o); });
        list.appendChild(item);
      }
      if (!options.length) list.appendChild(el("li", "bk-external-none", "No results"));
      list.hidden = false;
    });
    input.addEventListener("blur", () => { list.hidden = true; });
    return node;
  }

  function datepicker(element, blockId, ctx, dispatch) {
    const node = interactive(el("input", "bk-input bk-date"), element, blockId);
    node.type = "date";
    if (element.initial_date) node.value = element.initial_date;
    if (dispatch) {
      node.addEventListener("change", () => {
        ctx.onAction({ type: "datepicker", action_id: node.dataset.actionId, block_id: blockId, selected_date: node.value || null }, node);
      });
    }
    return node;
  }

  function textInput(element, blockId) {
    const multiline = element.type === "plain_text_input" && element.multiline;
    const node = interactive(el(multiline ? "textarea" : "input", "bk-input"), element, blockId);
    if (!multiline) node.type = "text";
    if (element.type === "number_input") node.inputMode = element.is_decimal_allowed ? "decimal" : "numeric";
    if (element.max_length) node.maxLength = element.max_length;
    if (element.placeholder) node.placeholder = plainText(element.placeholder);
    const initial = element.initial_value;
    if (initial !== undefined && initial !== null) node.value = initial;
    return node;
  }

  function choices(element, blockId, ctx, dispatch) {
    const node = interactive(el("div", "bk-choices"), element, blockId);
    const multiple = element.type === "checkboxes";
    const name = uid("choice");
    const initial = multiple ? (element.initial_options || []).map((o) => o.value)
      : element.initial_option ? [element.initial_option.value] : [];
    node._options = element.options || [];
    for (const o of node._options) {
      const label = el("label", "bk-choice");
      const box = el("input");
      box.type = multiple ? "checkbox" : "radio";
      box.name = name;
      box.value = o.value;
      box.checked = initial.includes(o.value);
      label.append(box, textNode(o.text, ctx, "bk-choice-text"));
      node.appendChild(label);
      if (dispatch) box.addEventListener("change", () => ctx.onAction(stateOf(node, true), node));
    }
    return node;
  }

  function overflow(element, blockId, ctx) {
    const node = interactive(el("select", "bk-overflow"), element, blockId);
    const dots = el("option", null, "⋯");
    dots.value = "";
    node.appendChild(dots);
    for (const o of element.options || []) {
      const opt = el("option", null, plainText(o.text));
      opt.value = o.value;
      node.appendChild(opt);
    }
    node.addEventListener("change", () => {
      const chosen = (element.options || []).find((o) => o.value === node.value);
      node.value = "";
      if (chosen) {
        ctx.onAction({ type: "overflow", action_id: node.dataset.actionId, block_id: blockId,
          selected_option: { text: chosen.text, value: chosen.value } }, node);
      }
    });
    return node;
  }

  function image(element) {
    const node = el("img", "bk-image-element");
    node.src = element.image_url || (element.slack_file && element.slack_file.url) || "";
    node.alt = element.alt_text || "";
    return node;
  }

  // `dispatch`: whether a change is sent as a block action at once (actions blocks and accessories
  // always; inputs only with dispatch_action).
  function element(element, blockId, ctx, dispatch) {
    switch (element.type) {
      case "button": return button(element, blockId, ctx);
      case "static_select": return staticSelect(element, blockId, ctx, dispatch);
      case "external_select": return externalSelect(element, blockId, ctx, dispatch);
      case "users_select": return usersSelect(element, blockId, ctx, dispatch);
      case "datepicker": return datepicker(element, blockId, ctx, dispatch);
      case "plain_text_input":
      case "number_input":
      case "email_text_input":
      case "url_text_input": return textInput(element, blockId);
      case "checkboxes":
      case "radio_buttons": return choices(element, blockId, ctx, dispatch);
      case "overflow": return overflow(element, blockId, ctx);
      case "image": return image(element);
      default: return unsupported("element", element.type);
    }
  }

  // ---------------------------------------------------------------- blocks

  function section(block, blockId, ctx) {
    const node = el("div", "bk-section");
    const body = el("div", "bk-section-body");
    if (block.text) body.appendChild(textNode(block.text, ctx));
    if (block.fields && block.fields.length) {
      const fields = el("div", "bk-fields");
      for (const f of block.fields) fields.appendChild(textNode(f, ctx, "bk-field"));
      body.appendChild(fields);
    }
    node.appendChild(body);
    if (block.accessory) {
      const accessory = el("div", "bk-accessory");
      accessory.appendChild(element(block.accessory, blockId, ctx, true));
      node.appendChild(accessory);
    }
    return node;
  }

  function input(block, blockId, ctx) {
    const node = el("div", "bk-input-block");
    node.dataset.blockId = blockId;
    node.dataset.optional = block.optional ? "true" : "false";
    const label = el("label", "bk-label", plainText(block.label));
    if (block.optional) label.appendChild(el("span", "bk-optional", " (optional)"));
    node.appendChild(label);
    node.appendChild(element(block.element, blockId, ctx, !!block.dispatch_action));
    if (block.hint) node.appendChild(el("div", "bk-hint", plainText(block.hint)));
    node.appendChild(el("div", "bk-error"));
    return node;
  }

  function block(b, index, ctx) {
    const blockId = b.block_id || `bk-${index}`;
    let node;
    switch (b.type) {
      case "section": node = section(b, blockId, ctx); break;
      case "header": node = el("h3", "bk-header", plainText(b.text)); break;
      case "divider": node = el("hr", "bk-divider"); break;
      case "context": {
        node = el("div", "bk-context");
        for (const e of b.elements || []) {
          node.appendChild(e.type === "image" ? image(e) : textNode(e, ctx, "bk-context-item"));
        }
        break;
      }
      case "actions": {
        node = el("div", "bk-actions");
        for (const e of b.elements || []) node.appendChild(element(e, blockId, ctx, true));
        break;
      }
      case "image": {
        node = el("figure", "bk-image");
        if (b.title) node.appendChild(el("figcaption", null, plainText(b.title)));
        const img = image(b);
        img.className = "bk-image-full";
        node.appendChild(img);
        break;
      }
      case "input": node = input(b, blockId, ctx); break;
      case "rich_text": {
        node = el("div", "bk-rich-text");
        node.textContent = richText(b.elements || []);
        break;
      }
      default: node = unsupported("block", b.type);
    }
    node.classList.add("bk-block");
    node.dataset.blockId = blockId;
    node.dataset.blockType = b.type;
    return node;
  }

  function richText(elements) {
    return elements.map((e) => (e.elements ? richText(e.elements) : e.text || "")).join("");
  }

  function render(blocks, ctx) {
    const root = el("div", "bk-blocks");
    (blocks || []).forEach((b, i) => root.appendChild(block(b, i, ctx)));
    return root;
  }

  // ---------------------------------------------------------------- state

  // One element's state as Slack puts it in state.values (and, for dispatched changes, in actions).
  function stateOf(node, asAction) {
    const type = node.dataset.type;
    const out = { type };
    if (asAction) { out.action_id = node.dataset.actionId; out.block_id = node.dataset.blockId; }
    if (type === "static_select") {
      const chosen = (node._options || []).find((o) => o.value === node.value);
      out.selected_option = chosen ? { text: chosen.text, value: chosen.value } : null;
    } else if (type === "external_select") {
      out.selected_option = node._selected || null;
    } else if (type === "users_select") {
      out.selected_user = node.value || null;
    } else if (type === "datepicker") {
      out.selected_date = node.value || null;
    } else if (type === "checkboxes") {
      const on = [...node.querySelectorAll("input:checked")].map((i) => i.value);
      out.selected_options = node._options.filter((o) => on.includes(o.value)).map((o) => ({ text: o.text, value: o.value }));
    } else if (type === "radio_buttons") {
      const on = node.querySelector("input:checked");
      const chosen = on && node._options.find((o) => o.value === on.value);
      out.selected_option = chosen ? { text: chosen.text, value: chosen.value } : null;
    } else {
      out.value = node.value === "" ? null : node.value;
    }
    return out;
  }

  const STATEFUL = ["static_select", "external_select", "users_select", "datepicker", "plain_text_input",
    "number_input", "email_text_input", "url_text_input", "checkboxes", "radio_buttons"];

  function collectState(root) {
    const values = {};
    for (const node of root.querySelectorAll(".bk-element")) {
      if (!STATEFUL.includes(node.dataset.type)) continue;
      const byBlock = values[node.dataset.blockId] || (values[node.dataset.blockId] = {});
      byBlock[node.dataset.actionId] = stateOf(node, false);
    }
    return values;
  }

  function isEmpty(state) {
    return state.value == null && state.selected_option == null && state.selected_user == null
      && state.selected_date == null && !(state.selected_options && state.selected_options.length);
  }

  // Slack checks required inputs in the client before it sends anything: the same here.
  function missingRequired(root, message) {
    let missing = false;
    for (const blockNode of root.querySelectorAll(".bk-input-block")) {
      const elementNode = blockNode.querySelector(".bk-element");
      if (!elementNode || blockNode.dataset.optional === "true") continue;
      if (isEmpty(stateOf(elementNode, false))) {
        showError(blockNode, message);
        missing = true;
      }
    }
    return missing;
  }

  function showError(blockNode, message) {
    const error = blockNode.querySelector(".bk-error");
    if (error) error.textContent = message;
    blockNode.classList.toggle("bk-has-error", !!message);
  }

  function showErrors(root, errors) {
    for (const blockNode of root.querySelectorAll(".bk-input-block")) showError(blockNode, "");
    const unplaced = [];
    for (const [blockId, message] of Object.entries(errors || {})) {
      const blockNode = root.querySelector(`.bk-input-block[data-block-id="${CSS.escape(blockId)}"]`);
      if (blockNode) showError(blockNode, message);
      else unplaced.push(message);
    }
    return unplaced;
  }

  return { render, collectState, missingRequired, showErrors, textNode, mrkdwnHtml, plainText };
})();

if (typeof window !== "undefined") window.BlockKit = BlockKit;
