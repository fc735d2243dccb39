// A small Adaptive Cards 1.5 renderer: the bot's Teams cards as DOM, plain JavaScript, no build step.
// Elements: TextBlock, RichTextBlock/TextRun, FactSet, ColumnSet/Column, Container, Image, ImageSet,
// ActionSet, Input.Text/Number/Date/Time/Toggle/ChoiceSet; actions: Action.Execute, Action.ShowCard,
// Action.OpenUrl, Action.ToggleVisibility. An element it does not know (and that names no fallback) is
// drawn as a visible `.ac-unsupported` marker (the tests look for it). The card's `refresh` is the
// pane's business (teams.js), not drawn.
"use strict";

const AdaptiveCards = (() => {
  const INPUTS = ["Input.Text", "Input.Number", "Input.Date", "Input.Time", "Input.Toggle", "Input.ChoiceSet"];
  let seq = 0;
  const uid = (prefix) => `${prefix}-${++seq}`;

  function el(tag, cls, text) {
    const node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  function unsupported(kind, type) {
    const node = el("div", "ac-unsupported", `unsupported ${kind}: ${type}`);
    node.dataset.type = String(type);
    return node;
  }

  function escapeHtml(text) {
    return String(text).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
  }

  // TextBlock's markdown subset: **bold**, _italic_, [label](https://…), "- " and "1. " lists.
  function markdownHtml(text) {
    const lines = escapeHtml(text).split("\n").map((line) => {
      let s = line
        .replace(/\*\*([^*]+)\*\*/g, "<b>$1</b>")
        .replace(/(^|[\s(])_([^_]+)_(?=$|[\s).,:;!?])/g, "$1<i>$2</i>")
        .replace(/\[([^\]]+)\]\((https?:[^)\s]+)\)/g, '<a href="$2" target="_blank" rel="noopener">$1</a>');
      if (/^[-*] /.test(s)) s = `• ${s.slice(2)}`;
      return s;
    });
    return lines.join("<br>");
  }

  // Text styles shared by TextBlock and TextRun.
  function styleText(node, obj) {
    if (obj.weight) node.classList.add(`ac-weight-${String(obj.weight).toLowerCase()}`);
    if (obj.size) node.classList.add(`ac-size-${String(obj.size).toLowerCase()}`);
    if (obj.color) node.classList.add(`ac-color-${String(obj.color).toLowerCase()}`);
    if (obj.isSubtle) node.classList.add("ac-subtle");
    if (obj.fontType && String(obj.fontType).toLowerCase() === "monospace") node.classList.add("ac-mono");
    if (obj.italic) node.classList.add("ac-italic");
    if (obj.strikethrough) node.classList.add("ac-strike");
    if (obj.underline) node.classList.add("ac-underline");
    if (obj.highlight) node.classList.add("ac-highlight");
    if (obj.horizontalAlignment) node.classList.add(`ac-align-${String(obj.horizontalAlignment).toLowerCase()}`);
  }

  // ---------------------------------------------------------------- elements

  const ELEMENTS = {
    TextBlock(obj) {
      const node = el("div", "ac-textblock");
      node.innerHTML = markdownHtml(obj.text || "");
      styleText(node, obj);
      if (obj.style === "heading") node.classList.add("ac-weight-bolder", "ac-size-large");
      if (obj.wrap === false) node.classList.add("ac-nowrap");
      return node;
    },

    RichTextBlock(obj) {
      const node = el("div", "ac-richtext");
      styleText(node, { horizontalAlignment: obj.horizontalAlignment });
      for (const inline of obj.inlines || []) {
        if (typeof inline === "string") {
          node.appendChild(document.createTextNode(inline));
        } else if (inline && inline.type === "TextRun") {
          const run = el("span", "ac-run", inline.text || "");
          styleText(run, inline);
          node.appendChild(run);
        } else {
          node.appendChild(unsupported("inline", inline && inline.type));
        }
      }
      return node;
    },

    FactSet(obj) {
      const node = el("dl", "ac-factset");
      for (const fact of obj.facts || []) {
        node.appendChild(el("dt", "ac-fact-title", fact.title || ""));
        const value = el("dd", "ac-fact-value");
        value.innerHTML = markdownHtml(fact.value || "");
        node.appendChild(value);
      }
      return node;
    },

    ColumnSet(obj, ctx) {
      const node = el("div", "ac-columnset");
      for (const column of obj.columns || []) {
        if (column.type && column.type !== "Column") {
          node.appendChild(unsupported("column", column.type));
          continue;
        }
        node.appendChild(ELEMENTS.Column(column, ctx));
      }
      return node;
    },

    Column(obj, ctx) {
      const node = el("div", "ac-column");
      const width = obj.width === undefined ? "stretch" : obj.width;
      if (width === "auto") node.style.flex = "0 1 auto";
      else if (width === "stretch") node.style.flex = "1 1 0";
      else if (typeof width === "number") node.style.flex = `${width} 1 0`;
      else if (/^\d+px$/.test(String(width))) node.style.flex = `0 0 ${width}`;
      else if (/^\d+$/.test(String(width))) node.style.flex = `${width} 1 0`;
      if (obj.verticalContentAlignment) node.classList.add(`ac-valign-${String(obj.verticalContentAlignment).toLowerCase()}`);
      if (obj.style) node.classList.add(`ac-style-${String(obj.style).toLowerCase()}`);
      appendElements(node, obj.items || [], ctx);
      return node;
    },

    Container(obj, ctx) {
      const node = el("div", "ac-container");
      if (obj.style) node.classList.add(`ac-style-${String(obj.style).toLowerCase()}`);
      if (obj.verticalContentAlignment) node.classList.add(`ac-valign-${String(obj.verticalContentAlignment).toLowerCase()}`);
      appendElements(node, obj.items || [], ctx);
      return node;
    },

    Image(obj) {
      const node = el("img", "ac-image");
      node.src = obj.url || "";
      node.alt = obj.altText || "";
      const size = String(obj.size || "auto").toLowerCase();
      node.classList.add(`ac-image-${size}`);
      if (obj.width) node.style.width = obj.width;
      if (obj.height && obj.height !== "auto") node.style.height = obj.height;
      if (obj.style === "person") node.classList.add("ac-image-person");
      if (obj.horizontalAlignment) node.classList.add(`ac-align-${String(obj.horizontalAlignment).toLowerCase()}`);
      return node;
    },

    ImageSet(obj, ctx) {
      const node = el("div", "ac-imageset");
      for (const image of obj.images || []) node.appendChild(ELEMENTS.Image({ size: obj.imageSize || "medium", ...image }, ctx));
      return node;
    },

    ActionSet(obj, ctx) {
      return actionsNode(obj.actions || [], ctx);
    },

    "Input.Text"(obj) {
      const input = obj.isMultiline ? el("textarea", "ac-input") : el("input", "ac-input");
      if (!obj.isMultiline) input.type = { Email: "email", Tel: "tel", Url: "url", Password: "password" }[obj.style] || "text";
      if (obj.placeholder) input.placeholder = obj.placeholder;
      if (obj.maxLength) input.maxLength = obj.maxLength;
      if (obj.value !== undefined && obj.value !== null) input.value = String(obj.value);
      return field(obj, input, () => input.value);
    },

    "Input.Number"(obj) {
      const input = el("input", "ac-input");
      input.type = "number";
      if (obj.min !== undefined) input.min = obj.min;
      if (obj.max !== undefined) input.max = obj.max;
      if (obj.placeholder) input.placeholder = obj.placeholder;
      if (obj.value !== undefined && obj.value !== null) input.value = String(obj.value);
      return field(obj, input, () => input.value);
    },

    "Input.Date"(obj) {
      const input = el("input", "ac-input");
      input.type = "date";
      if (obj.min) input.min = obj.min;
      if (obj.max) input.max = obj.max;
      if (obj.value) input.value = obj.value;
      return field(obj, input, () => input.value);
    },

    "Input.Time"(obj) {
      const input = el("input", "ac-input");
      input.type = "time";
      if (obj.value) input.value = obj.value;
      return field(obj, input, () => input.value);
    },

    "Input.Toggle"(obj) {
      const box = el("label", "ac-toggle");
      const input = el("input");
      input.type = "checkbox";
      const on = obj.valueOn === undefined ? "true" : String(obj.valueOn);
      const off = obj.valueOff === undefined ? "false" : String(obj.valueOff);
      input.checked = String(obj.value) === on;
      box.append(input, el("span", null, obj.title || ""));
      return field(obj, box, () => (input.checked ? on : off));
    },

    "Input.ChoiceSet"(obj) {
      const choices = obj.choices || [];
      const initial = obj.value === undefined || obj.value === null ? [] : String(obj.value).split(",");
      if (obj.isMultiSelect || obj.style === "expanded") {
        const box = el("div", "ac-choices");
        const name = uid("choice");
        const boxes = choices.map((c) => {
          const row = el("label", "ac-choice");
          const input = el("input");
          input.type = obj.isMultiSelect ? "checkbox" : "radio";
          input.name = name;
          input.value = c.value;
          input.checked = initial.includes(String(c.value));
          row.append(input, el("span", null, c.title));
          box.appendChild(row);
          return input;
        });
        return field(obj, box, () => boxes.filter((b) => b.checked).map((b) => b.value).join(","));
      }
      const select = el("select", "ac-input ac-select");
      const empty = el("option", null, obj.placeholder || "");
      empty.value = "";
      select.appendChild(empty);
      for (const c of choices) {
        const option = el("option", null, c.title);
        option.value = c.value;
        select.appendChild(option);
      }
      select.value = initial.length ? initial[0] : "";
      return field(obj, select, () => select.value);
    },
  };

  // An input with its label and the place for its error; `read` gives its value as a string.
  function field(obj, control, read) {
    const node = el("div", "ac-field");
    const id = uid("ac-input");
    if (obj.label) {
      const label = el("label", "ac-label", obj.label);
      label.htmlFor = id;
      if (obj.isRequired) label.appendChild(el("span", "ac-required", " *"));
      node.appendChild(label);
    }
    control.id = id;
    node.appendChild(control);
    node.appendChild(el("div", "ac-input-error"));
    node.dataset.acInput = obj.id || "";
    node.acRead = read;
    node.acRequired = Boolean(obj.isRequired);
    node.acErrorMessage = obj.errorMessage || "Required.";
    return node;
  }

  function renderElement(obj, ctx) {
    if (!obj || typeof obj !== "object") return unsupported("element", typeof obj);
    const make = ELEMENTS[obj.type];
    if (!make || obj.type === "Column") {
      if (obj.fallback === "drop") return null;
      if (obj.fallback && typeof obj.fallback === "object") return renderElement(obj.fallback, ctx);
      return unsupported("element", obj.type);
    }
    const node = make(obj, ctx);
    node.classList.add("ac-element");
    node.dataset.type = obj.type;
    if (obj.id && !INPUTS.includes(obj.type)) node.dataset.acId = obj.id;
    if (obj.isVisible === false) node.hidden = true;
    return node;
  }

  function appendElements(parent, items, ctx) {
    let first = true;
    for (const item of items) {
      const node = renderElement(item, ctx);
      if (!node) continue;
      if (!first && item.separator) node.classList.add("ac-separator");
      const spacing = String(item.spacing || "default").toLowerCase();
      node.classList.add(first ? "ac-spacing-first" : `ac-spacing-${spacing}`);
      parent.appendChild(node);
      first = false;
    }
  }

  // ---------------------------------------------------------------- actions

  // A row of buttons; a ShowCard's card opens under the row (one at a time).
  function actionsNode(actions, ctx) {
    const node = el("div", "ac-actionset");
    const row = el("div", "ac-actions");
    const shown = el("div", "ac-showcards");
    node.append(row, shown);
    for (const action of actions) {
      const button = actionButton(action, ctx, shown);
      row.appendChild(button);
    }
    return node;
  }

  function actionButton(action, ctx, shown) {
    const known = ["Action.Execute", "Action.ShowCard", "Action.OpenUrl", "Action.ToggleVisibility"];
    if (!action || !known.includes(action.type)) {
      if (action && action.fallback && typeof action.fallback === "object") return actionButton(action.fallback, ctx, shown);
      return unsupported("action", action && action.type);
    }
    const button = el("button", "ac-button", action.title || "");
    button.type = "button";
    button.dataset.type = action.type;
    if (action.verb) button.dataset.verb = action.verb;
    if (action.style && action.style !== "default") button.classList.add(`ac-${action.style}`);
    if (action.type === "Action.Execute") {
      button.addEventListener("click", () => {
        const inputs = action.associatedInputs === "none" ? {} : collectInputs(button);
        if (inputs === null) return; // a required input is empty: said under it
        ctx.onExecute(action, { ...(action.data || {}), ...inputs }, button);
      });
    } else if (action.type === "Action.ShowCard") {
      const sub = el("div", "ac-showcard");
      sub.hidden = true;
      sub.appendChild(render(action.card || { body: [] }, ctx, true));
      shown.appendChild(sub);
      button.classList.add("ac-expander");
      button.setAttribute("aria-expanded", "false");
      button.addEventListener("click", () => {
        const open = sub.hidden;
        for (const other of shown.children) other.hidden = true;
        for (const b of button.parentNode.querySelectorAll(".ac-expander")) b.setAttribute("aria-expanded", "false");
        sub.hidden = !open;
        button.setAttribute("aria-expanded", String(open));
      });
    } else if (action.type === "Action.OpenUrl") {
      button.addEventListener("click", () => window.open(action.url, "_blank", "noopener"));
    } else {
      button.addEventListener("click", () => {
        const root = button.closest(".ac-card:not(.ac-subcard)") || button.closest(".ac-card");
        for (const target of action.targetElements || []) {
          const id = typeof target === "string" ? target : target.elementId;
          const node = root && root.querySelector(`[data-ac-id="${CSS.escape(id)}"]`);
          if (!node) continue;
          node.hidden = typeof target === "string" || target.isVisible === undefined ? !node.hidden : !target.isVisible;
        }
      });
    }
    return button;
  }

  // The inputs of the action's card and of every card around it (Adaptive Cards' "auto"), as strings by
  // id; null when a required one is empty (its error shown).
  function collectInputs(from) {
    const values = {};
    let missing = false;
    for (let card = from.closest(".ac-card"); card; card = card.parentElement && card.parentElement.closest(".ac-card")) {
      for (const f of card.querySelectorAll(".ac-field")) {
        if (f.closest(".ac-card") !== card || !f.dataset.acInput || f.dataset.acInput in values) continue;
        const value = f.acRead();
        const error = f.querySelector(":scope > .ac-input-error");
        const empty = f.acRequired && String(value).trim() === "";
        error.textContent = empty ? f.acErrorMessage : "";
        f.classList.toggle("ac-has-error", empty);
        if (empty) missing = true;
        values[f.dataset.acInput] = value;
      }
    }
    return missing ? null : values;
  }

  // ---------------------------------------------------------------- the card

  function render(card, ctx, nested) {
    const node = el("div", "ac-card");
    if (nested) node.classList.add("ac-subcard");
    if (!card || (card.type && card.type !== "AdaptiveCard")) {
      node.appendChild(unsupported("card", card && card.type));
      return node;
    }
    if (card.lang) node.lang = card.lang;
    appendElements(node, card.body || [], ctx);
    if (card.actions && card.actions.length) {
      const actions = actionsNode(card.actions, ctx);
      actions.classList.add("ac-card-actions");
      node.appendChild(actions);
    }
    return node;
  }

  return { render, collectInputs };
})();
