/* global window */
/*
 * How the sandbox page reads what the bot sends: a small subset of WeCom markdown, @-mentions, template cards.
 * Pure functions from text to a tree of tokens; the page turns tokens into DOM nodes with textContent only, so
 * nothing anyone wrote is ever parsed as HTML. Loaded by the page (window.SandboxRender) and by the tests (require).
 */
(function (root, factory) {
  var api = factory();
  if (typeof module === 'object' && module.exports) module.exports = api;
  else root.SandboxRender = api;
})(typeof window !== 'undefined' ? window : this, function () {
  'use strict';

  /** A link target the page may follow: http and https only (no javascript:, data: …). */
  function safeUrl(url) {
    if (typeof url !== 'string') return null;
    var trimmed = url.trim();
    return /^https?:\/\/[^\s<>"']+$/i.test(trimmed) ? trimmed : null;
  }

  var COLORS = { info: 'info', comment: 'comment', warning: 'warning' };

  /**
   * Inline tokens of one line: text, bold (**x**), code (`x`), link ([x](http…)), mention (<@userid>), colour
   * (<font color="info|comment|warning">x</font>). Anything else, tags included, stays text.
   * @param {string} line
   * @param {boolean} markdown  false: only mentions are recognised (plain text messages)
   */
  function parseInline(line, markdown) {
    var tokens = [];
    var pattern = markdown
      ? /<@([A-Za-z0-9_.@-]{1,64})>|\*\*([^*\n]+)\*\*|`([^`\n]+)`|\[([^\]\n]+)\]\(([^)\s]+)\)|<font color="(info|comment|warning)">([\s\S]*?)<\/font>/g
      : /<@([A-Za-z0-9_.@-]{1,64})>/g;
    var last = 0;
    var match;
    function text(value) {
      if (value === '') return;
      var prev = tokens[tokens.length - 1];
      if (prev && prev.t === 'text') prev.v += value;
      else tokens.push({ t: 'text', v: value });
    }
    while ((match = pattern.exec(line)) !== null) {
      text(line.slice(last, match.index));
      if (match[1] !== undefined) tokens.push({ t: 'mention', id: match[1] });
      else if (match[2] !== undefined) tokens.push({ t: 'bold', v: match[2] });
      else if (match[3] !== undefined) tokens.push({ t: 'code', v: match[3] });
      else if (match[4] !== undefined) {
        var href = safeUrl(match[5]);
        if (href) tokens.push({ t: 'link', v: match[4], href: href });
        else text(match[0]);
      } else if (match[6] !== undefined) tokens.push({ t: 'color', v: match[7], color: COLORS[match[6]] });
      last = match.index + match[0].length;
    }
    text(line.slice(last));
    return tokens;
  }

  /** Lines of a markdown message: headings (#…######), quotes (>), paragraphs; each with its inline tokens. */
  function markdownBlocks(content) {
    return String(content == null ? '' : content)
      .replace(/\r\n?/g, '\n')
      .split('\n')
      .map(function (line) {
        var heading = /^(#{1,6})\s+(.*)$/.exec(line);
        if (heading) return { type: 'h', level: heading[1].length, inline: parseInline(heading[2], true) };
        var quote = /^>\s?(.*)$/.exec(line);
        if (quote) return { type: 'quote', inline: parseInline(quote[1], true) };
        return { type: 'p', inline: parseInline(line, true) };
      });
  }

  /** Lines of a text message: mentions only. */
  function textBlocks(content) {
    return String(content == null ? '' : content)
      .replace(/\r\n?/g, '\n')
      .split('\n')
      .map(function (line) {
        return { type: 'p', inline: parseInline(line, false) };
      });
  }

  function str(value) {
    return typeof value === 'string' ? value : '';
  }

  function obj(value) {
    return value && typeof value === 'object' && !Array.isArray(value) ? value : {};
  }

  function list(value) {
    return Array.isArray(value) ? value.map(obj) : [];
  }

  /** What a template card shows, in reading order, and its buttons (those with a key can be clicked). */
  function cardModel(card) {
    var c = obj(card);
    var fields = list(c.horizontal_content_list).map(function (item) {
      var url = safeUrl(item.url);
      return { key: str(item.keyname), value: str(item.value), url: item.type === 1 && url ? url : null };
    });
    var buttons = list(c.button_list).map(function (b) {
      return { text: str(b.text), key: str(b.key), style: typeof b.style === 'number' ? b.style : 1 };
    });
    var submit = obj(c.submit_button);
    if (str(submit.text)) buttons.push({ text: str(submit.text), key: str(submit.key), style: 1 });
    return {
      type: str(c.card_type),
      source: str(obj(c.source).desc),
      title: str(obj(c.main_title).title),
      desc: str(obj(c.main_title).desc),
      emphasis: { title: str(obj(c.emphasis_content).title), desc: str(obj(c.emphasis_content).desc) },
      quote: { title: str(obj(c.quote_area).title), text: str(obj(c.quote_area).quote_text) },
      subtitle: str(c.sub_title_text),
      fields: fields,
      verticals: list(c.vertical_content_list).map(function (v) {
        return { title: str(v.title), desc: str(v.desc) };
      }),
      jumps: list(c.jump_list)
        .map(function (j) {
          return { title: str(j.title), url: safeUrl(j.url) };
        })
        .filter(function (j) {
          return j.title && j.url;
        }),
      buttons: buttons,
      taskId: str(c.task_id),
    };
  }

  /** The card as one text, the way the terminal client prints it. */
  function cardText(card) {
    var m = cardModel(card);
    var lines = [];
    [m.source, m.title, m.desc, m.emphasis.title, m.emphasis.desc, m.quote.title, m.quote.text, m.subtitle].forEach(function (line) {
      if (line) lines.push(line);
    });
    m.fields.forEach(function (f) {
      lines.push(f.key && f.value ? f.key + '：' + f.value : f.key || f.value);
    });
    m.verticals.forEach(function (v) {
      if (v.title) lines.push(v.title);
      if (v.desc) lines.push(v.desc);
    });
    return lines.join('\n');
  }

  /** Plain text of inline tokens, mentions as @name. */
  function plainText(blocks, nameOf) {
    return blocks
      .map(function (block) {
        return block.inline
          .map(function (t) {
            return t.t === 'mention' ? '@' + nameOf(t.id) : t.v;
          })
          .join('');
      })
      .join('\n');
  }

  return {
    safeUrl: safeUrl,
    parseInline: parseInline,
    markdownBlocks: markdownBlocks,
    textBlocks: textBlocks,
    cardModel: cardModel,
    cardText: cardText,
    plainText: plainText,
  };
});
