/* global window, document, fetch, EventSource, localStorage, clearTimeout, setInterval, SandboxRender */
/*
 * The sandbox page: pick a person of the roster, talk to the bot as them (single chat, or @ it in the work group),
 * click the buttons of the cards they receive, move the sandbox clock. Everything shown comes from /sandbox/api/…:
 * the state once, then every conversation entry through a server-sent event stream (it resumes where it stopped).
 * Text is only ever set with textContent: nothing a person or the bot wrote is parsed as HTML.
 */
(function () {
  'use strict';

  var R = SandboxRender;
  var api = '/sandbox/api';
  var state = {
    people: [],
    byId: {},
    botName: '联络助手',
    groupId: 'group:work',
    groupName: '工作群',
    mode: 'alone',
    entries: {}, // conversation -> entries (id order)
    seen: {}, // id -> true
    updates: {}, // conversation + '|' + taskId, or 'msg|' + id -> replaceName
    clicked: {}, // message id -> button text, while the click waits for its card update
    current: null, // userId
    chat: 'single',
    clock: { serverMs: 0, at: 0 },
    jumps: [],
    clockMovable: true,
    lastRead: loadLastRead(),
  };

  var $ = function (id) {
    return document.getElementById(id);
  };

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  function clientId() {
    var bytes = new Uint8Array(12);
    window.crypto.getRandomValues(bytes);
    return 'p' + Array.prototype.map.call(bytes, function (b) { return ('0' + b.toString(16)).slice(-2); }).join('');
  }

  function toast(text, isError) {
    var t = $('toast');
    t.textContent = text;
    t.className = 'toast' + (isError ? ' error' : '');
    t.hidden = false;
    clearTimeout(toast.timer);
    toast.timer = setTimeout(function () { t.hidden = true; }, isError ? 6000 : 3000);
  }

  function request(method, path, body) {
    var options = { method: method, headers: { Accept: 'application/json' }, credentials: 'same-origin' };
    if (body !== undefined) {
      options.headers['Content-Type'] = 'application/json';
      options.body = JSON.stringify(body);
    }
    return fetch(api + path, options).then(function (response) {
      if (response.status === 401) {
        window.location.href = '/sandbox/login';
        throw new Error('需要登录');
      }
      return response.json().then(function (data) {
        if (!response.ok) throw new Error((data && data.error) || '请求失败（' + response.status + '）');
        return data;
      });
    });
  }

  // ---- names, times ---------------------------------------------------------------------------------------------

  function nameOf(userId) {
    if (userId === '@all') return '所有人';
    var p = state.byId[userId];
    return p ? p.name : userId;
  }

  function avatarText(name) {
    return name.length > 2 ? name.slice(-2) : name;
  }

  function avatarFor(userId) {
    var p = state.byId[userId];
    var a = el('div', 'avatar', avatarText(nameOf(userId)));
    if (p && p.isAdmin) a.className += ' admin';
    else if (p && p.roles.length && p.roles[0].role === 'leader') a.className += ' leader';
    return a;
  }

  var WEEKDAYS = ['周日', '周一', '周二', '周三', '周四', '周五', '周六'];
  function beijing(ms) {
    var d = new Date(ms + 8 * 3600 * 1000);
    var pad = function (n) { return (n < 10 ? '0' : '') + n; };
    return {
      date: d.getUTCFullYear() + '年' + (d.getUTCMonth() + 1) + '月' + d.getUTCDate() + '日',
      weekday: WEEKDAYS[d.getUTCDay()],
      time: pad(d.getUTCHours()) + ':' + pad(d.getUTCMinutes()),
      seconds: pad(d.getUTCSeconds()),
    };
  }

  function sandboxNow() {
    return state.clock.serverMs + (Date.now() - state.clock.at);
  }

  function renderClock() {
    var b = beijing(sandboxNow());
    $('clock-now').textContent = b.date + ' ' + b.weekday + ' ' + b.time + ':' + b.seconds;
  }

  function setClock(iso) {
    state.clock = { serverMs: new Date(iso).getTime(), at: Date.now() };
    renderClock();
  }

  // ---- the clock controls ---------------------------------------------------------------------------------------

  function renderJumps() {
    var box = $('jumps');
    box.textContent = '';
    if (!state.clockMovable) {
      box.appendChild(el('span', 'clock-label', '与企业微信并行：按真实时间运行，不能拨动'));
      return;
    }
    var deadlines = state.jumps.filter(function (j) { return j.id.indexOf('deadline:') === 0; });
    state.jumps.forEach(function (jump) {
      if (jump.id.indexOf('deadline:') === 0) return;
      var b = el('button', null, jump.label);
      b.type = 'button';
      b.dataset.jump = jump.id;
      b.addEventListener('click', function () { moveClock(jump.id, b); });
      box.appendChild(b);
    });
    if (deadlines.length) {
      var select = el('select');
      select.setAttribute('aria-label', '跳到截止时间之后');
      var first = el('option', null, '跳到截止时间之后…');
      first.value = '';
      select.appendChild(first);
      deadlines.forEach(function (d) {
        var o = el('option', null, d.label);
        o.value = d.id;
        select.appendChild(o);
      });
      select.addEventListener('change', function () {
        if (select.value) moveClock(select.value, select);
      });
      box.appendChild(select);
    }
  }

  function moveClock(jumpId, control) {
    control.disabled = true;
    request('POST', '/clock', { jump: jumpId })
      .then(function (result) {
        setClock(result.now);
        state.jumps = result.jumps || [];
        renderJumps();
        toast('沙盒时间已拨到 ' + result.label + '，定时任务已运行一次');
      })
      .catch(function (error) {
        control.disabled = false;
        toast(error.message, true);
      });
  }

  // ---- people ---------------------------------------------------------------------------------------------------

  function unreadCount(conversation, userId) {
    var list = state.entries[conversation] || [];
    var last = state.lastRead[userId + '|' + conversation] || 0;
    var n = 0;
    list.forEach(function (e) {
      if (e.id > last && e.kind !== 'card-update' && !(e.direction === 'in' && e.userId === userId)) n++;
    });
    return n;
  }

  function renderPeople() {
    var ul = $('people');
    ul.textContent = '';
    var sections = [
      { title: '政务公开办', people: state.people.filter(function (p) { return p.isAdmin; }) },
      { title: '各单位', people: state.people.filter(function (p) { return !p.isAdmin; }) },
    ];
    var known = {};
    state.people.forEach(function (p) { known[p.userId] = true; });
    var others = Object.keys(state.entries).filter(function (c) { return c !== state.groupId && !known[c]; });
    if (others.length) {
      sections.push({
        title: '名册外',
        people: others.map(function (id) { return { userId: id, name: id, label: '不在名册中', roles: [], isAdmin: false }; }),
      });
    }
    sections.forEach(function (section) {
      if (!section.people.length) return;
      ul.appendChild(el('li', 'section', section.title));
      section.people.forEach(function (p) {
        var li = el('li');
        var button = el('button', 'person' + (p.userId === state.current ? ' active' : ''));
        button.type = 'button';
        button.dataset.person = p.userId;
        button.appendChild(avatarFor(p.userId));
        var text = el('div', 'person-text');
        text.appendChild(el('div', 'person-name', p.name));
        text.appendChild(el('div', 'person-label', p.label));
        button.appendChild(text);
        var unread = unreadCount(p.userId, p.userId);
        if (unread) button.appendChild(el('span', 'unread', String(unread)));
        button.addEventListener('click', function () { select(p.userId, state.current === p.userId ? state.chat : 'single'); });
        li.appendChild(button);
        ul.appendChild(li);
      });
    });
  }

  function suggestionsFor(person) {
    if (!person) return ['帮助', '我是谁'];
    if (person.isAdmin) return ['帮助', '审核', '截止事项', '通报回执', '发布通报', '设置截止'];
    if (person.roles.some(function (r) { return r.role === 'liaison'; })) return ['帮助', '我的账号', '我的备案', '截止事项', '开设备案', '变更备案'];
    return ['帮助', '我是谁', '截止事项'];
  }

  function select(userId, chat) {
    state.current = userId;
    state.chat = chat;
    $('welcome').hidden = true;
    $('chat').hidden = false;
    var p = state.byId[userId];
    var who = $('chat-who');
    who.textContent = '';
    who.appendChild(el('b', null, nameOf(userId)));
    who.appendChild(document.createTextNode((p ? p.label : '不在名册中') + ' 的企业微信'));
    $('tab-single').classList.toggle('active', chat === 'single');
    $('tab-group').classList.toggle('active', chat === 'group');
    $('tab-single').setAttribute('aria-selected', String(chat === 'single'));
    $('tab-group').setAttribute('aria-selected', String(chat === 'group'));
    $('chat-title').textContent =
      chat === 'single'
        ? '与「' + state.botName + '」的单聊（企业微信应用消息）'
        : state.groupName + '（群里只有 @' + state.botName + ' 的消息会发给机器人；通报等群消息由群机器人发出）';
    $('mention').hidden = chat !== 'group';
    $('mention').textContent = '@' + state.botName;
    var suggestions = $('suggestions');
    suggestions.textContent = '';
    suggestionsFor(p).forEach(function (s) {
      var b = el('button', null, s);
      b.type = 'button';
      b.addEventListener('click', function () { send(chat === 'group' ? '@' + state.botName + ' ' + s : s); });
      suggestions.appendChild(b);
    });
    renderMessages(true);
    renderPeople();
    $('input').focus();
  }

  function currentConversation() {
    return state.chat === 'group' ? state.groupId : state.current;
  }

  function markRead() {
    var conversation = currentConversation();
    var list = state.entries[conversation] || [];
    if (!list.length) return;
    state.lastRead[state.current + '|' + conversation] = list[list.length - 1].id;
    try {
      localStorage.setItem('sandbox.lastRead', JSON.stringify(state.lastRead));
    } catch {
      // private mode: unread counts start afresh next time
    }
  }

  function loadLastRead() {
    try {
      return JSON.parse(localStorage.getItem('sandbox.lastRead') || '{}') || {};
    } catch {
      return {};
    }
  }

  function renderTabs() {
    if (!state.current) return;
    [['tab-single', state.current], ['tab-group', state.groupId]].forEach(function (pair) {
      var badge = $(pair[0]).querySelector('.unread');
      var n = pair[1] === currentConversation() ? 0 : unreadCount(pair[1], state.current);
      badge.hidden = n === 0;
      badge.textContent = String(n);
    });
  }

  // ---- messages -------------------------------------------------------------------------------------------------

  function inlineNodes(parent, tokens) {
    tokens.forEach(function (t) {
      if (t.t === 'text') parent.appendChild(document.createTextNode(t.v));
      else if (t.t === 'mention') parent.appendChild(el('span', 'mention-chip', '@' + nameOf(t.id)));
      else if (t.t === 'bold') parent.appendChild(el('strong', null, t.v));
      else if (t.t === 'code') parent.appendChild(el('code', null, t.v));
      else if (t.t === 'color') parent.appendChild(el('span', 'color-' + t.color, t.v));
      else if (t.t === 'link') {
        var a = el('a', null, t.v);
        a.href = t.href;
        a.target = '_blank';
        a.rel = 'noopener noreferrer';
        parent.appendChild(a);
      }
    });
  }

  function blocksNode(blocks) {
    var box = el('div', 'bubble');
    blocks.forEach(function (block) {
      var node = block.type === 'h' ? el('h' + block.level) : block.type === 'quote' ? el('blockquote') : el('p');
      inlineNodes(node, block.inline);
      box.appendChild(node);
    });
    return box;
  }

  function replacedLabel(entry) {
    var byTask = entry.taskId ? state.updates[entry.conversation + '|' + entry.taskId] : undefined;
    return byTask !== undefined ? byTask : state.updates['msg|' + entry.id];
  }

  function cardNode(entry) {
    var m = R.cardModel(entry.body.template_card);
    var card = el('div', 'card');
    card.dataset.card = String(entry.id);
    var inner = el('div', 'card-inner');
    if (m.source) inner.appendChild(el('div', 'card-source', m.source));
    if (m.title) inner.appendChild(el('div', 'card-title', m.title));
    if (m.desc) inner.appendChild(el('div', 'card-desc', m.desc));
    if (m.emphasis.title || m.emphasis.desc) {
      var emphasis = el('div', 'card-emphasis');
      if (m.emphasis.title) emphasis.appendChild(el('div', 'big', m.emphasis.title));
      if (m.emphasis.desc) emphasis.appendChild(el('div', 'card-desc', m.emphasis.desc));
      inner.appendChild(emphasis);
    }
    if (m.quote.title || m.quote.text) inner.appendChild(el('div', 'card-quote', [m.quote.title, m.quote.text].filter(Boolean).join('\n')));
    if (m.subtitle) inner.appendChild(el('div', 'card-subtitle', m.subtitle));
    if (m.fields.length) {
      var dl = el('dl', 'card-fields');
      m.fields.forEach(function (f) {
        dl.appendChild(el('dt', null, f.key));
        var dd = el('dd');
        if (f.url) {
          var a = el('a', null, f.value);
          a.href = f.url;
          a.target = '_blank';
          a.rel = 'noopener noreferrer';
          dd.appendChild(a);
        } else dd.textContent = f.value;
        dl.appendChild(dd);
      });
      inner.appendChild(dl);
    }
    m.verticals.forEach(function (v) {
      var box = el('div', 'card-vertical');
      if (v.title) box.appendChild(el('div', 'v-title', v.title));
      if (v.desc) box.appendChild(el('div', 'v-desc', v.desc));
      inner.appendChild(box);
    });
    m.jumps.forEach(function (j) {
      var a = el('a', null, j.title);
      a.href = j.url;
      a.target = '_blank';
      a.rel = 'noopener noreferrer';
      inner.appendChild(a);
    });
    card.appendChild(inner);
    if (m.buttons.length) {
      var row = el('div', 'card-buttons');
      var replaced = replacedLabel(entry);
      var mine = entry.conversation === state.current && state.chat === 'single';
      if (replaced !== undefined) {
        var done = el('button', 'card-button replaced', replaced);
        done.type = 'button';
        done.disabled = true;
        row.appendChild(done);
      } else {
        m.buttons.forEach(function (b) {
          var button = el('button', 'card-button style-' + b.style, b.text);
          button.type = 'button';
          button.dataset.key = b.key;
          button.disabled = !b.key || !mine || state.clicked[entry.id] !== undefined;
          button.addEventListener('click', function () { clickCard(entry, b); });
          row.appendChild(button);
        });
      }
      card.appendChild(row);
    }
    return card;
  }

  function fileNode(entry) {
    var file = entry.body.file || {};
    var box = el('div', 'bubble file');
    box.appendChild(el('div', 'file-icon', '文件'));
    var name = String(file.name || '文件');
    if (typeof file.fileId === 'number') {
      var a = el('a', null, name);
      a.href = api + '/files/' + file.fileId;
      a.setAttribute('download', name);
      box.appendChild(a);
    } else box.appendChild(el('span', null, name));
    return box;
  }

  function contentNode(entry) {
    var body = entry.body || {};
    if (entry.kind === 'card') return cardNode(entry);
    if (entry.kind === 'file') return fileNode(entry);
    if (entry.kind === 'markdown') return blocksNode(R.markdownBlocks((body.markdown || {}).content));
    var text = body.text || {};
    var node = blocksNode(R.textBlocks(text.content));
    var mentioned = Array.isArray(text.mentioned_list) ? text.mentioned_list : [];
    if (mentioned.length) {
      node.appendChild(el('div', 'mentions', mentioned.map(function (id) { return '@' + nameOf(id); }).join(' ')));
    }
    return node;
  }

  function entryNode(entry) {
    if (entry.kind === 'event') {
      var note = el('li', 'system-note');
      var who = entry.userId === state.current ? '你' : nameOf(entry.userId);
      note.appendChild(el('span', null, who + '点击了卡片上的「' + (entry.body.button || '') + '」'));
      note.dataset.entryId = String(entry.id);
      return note;
    }
    var bot = entry.direction === 'out';
    var self = !bot && entry.userId === state.current;
    var li = el('li', 'msg' + (self ? ' self' : '') + (bot ? ' from-bot' : ''));
    li.dataset.entryId = String(entry.id);
    li.dataset.kind = entry.kind;
    if (bot) li.appendChild(el('div', 'avatar bot', '助'));
    else li.appendChild(avatarFor(entry.userId));
    var body = el('div', 'msg-body');
    if (entry.chat === 'group' || !bot) {
      var name = el('div', 'msg-name', bot ? state.botName : nameOf(entry.userId));
      if (bot && entry.channel === 'webhook') name.appendChild(el('span', 'via', '群机器人'));
      if (entry.chat === 'group' || !self) body.appendChild(name);
    }
    body.appendChild(contentNode(entry));
    if (!bot && entry.chat === 'group' && entry.body.toBot === false && self) {
      body.appendChild(el('div', 'hint', '没有 @' + state.botName + '，机器人收不到这条消息'));
    }
    li.appendChild(body);
    return li;
  }

  function renderMessages(scrollToEnd) {
    if (!state.current) return;
    var box = $('messages');
    var nearEnd = box.scrollHeight - box.scrollTop - box.clientHeight < 80;
    box.textContent = '';
    var list = (state.entries[currentConversation()] || []).filter(function (e) { return e.kind !== 'card-update'; });
    if (!list.length) {
      box.appendChild(el('li', 'empty', state.chat === 'group' ? '群里还没有消息' : '还没有消息，发一句“帮助”试试'));
    }
    var lastMs = 0;
    list.forEach(function (entry) {
      var ms = new Date(entry.at).getTime();
      if (ms - lastMs > 5 * 60 * 1000) {
        var b = beijing(ms);
        box.appendChild(el('li', 'time-divider', b.date + ' ' + b.weekday + ' ' + b.time));
      }
      lastMs = ms;
      box.appendChild(entryNode(entry));
    });
    if (scrollToEnd || nearEnd) box.scrollTop = box.scrollHeight;
    markRead();
    renderTabs();
  }

  // ---- actions --------------------------------------------------------------------------------------------------

  function send(text) {
    if (!state.current || !text.trim()) return;
    var input = $('input');
    var button = $('send');
    button.disabled = true;
    request('POST', '/messages', { as: state.current, chat: state.chat, text: text, clientId: clientId() })
      .then(function () {
        if (input.value === text) input.value = '';
      })
      .catch(function (error) { toast(error.message, true); })
      .then(function () {
        button.disabled = false;
        input.focus();
      });
  }

  function clickCard(entry, button) {
    state.clicked[entry.id] = button.text;
    renderMessages(false);
    request('POST', '/cards/' + entry.id + '/click', { as: state.current, key: button.key, clientId: clientId() })
      .catch(function (error) {
        toast(error.message, true);
      })
      .then(function () {
        // the buttons come back unless the bot updated the card (then they are gone for good)
        setTimeout(function () {
          delete state.clicked[entry.id];
          renderMessages(false);
        }, 8000);
      });
  }

  // ---- the stream of entries ------------------------------------------------------------------------------------

  function addEntry(entry) {
    if (state.seen[entry.id]) return;
    state.seen[entry.id] = true;
    var list = state.entries[entry.conversation] || (state.entries[entry.conversation] = []);
    list.push(entry);
    if (list.length > 1 && list[list.length - 2].id > entry.id) list.sort(function (a, b) { return a.id - b.id; });
    if (entry.kind === 'card-update') {
      var label = String(entry.body.replaceName || '');
      if (entry.taskId) state.updates[entry.conversation + '|' + entry.taskId] = label;
      else if (entry.body.messageId) state.updates['msg|' + entry.body.messageId] = label;
    }
  }

  var renderPending = false;
  function scheduleRender() {
    if (renderPending) return;
    renderPending = true;
    window.requestAnimationFrame(function () {
      renderPending = false;
      renderMessages(false);
      renderPeople();
    });
  }

  function connect() {
    var source = new EventSource(api + '/events?after=0');
    source.addEventListener('entry', function (event) {
      addEntry(JSON.parse(event.data));
      scheduleRender();
    });
    source.addEventListener('clock', function (event) {
      var clock = JSON.parse(event.data);
      setClock(clock.now);
      refreshState();
    });
    source.addEventListener('error', function () {
      // EventSource reconnects by itself and resumes after the last entry it got (Last-Event-ID)
    });
  }

  function applyState(s) {
    state.people = s.people;
    state.byId = {};
    s.people.forEach(function (p) { state.byId[p.userId] = p; });
    state.botName = s.botName;
    state.groupId = s.group.id;
    state.groupName = s.group.name;
    state.mode = s.mode;
    state.jumps = s.jumps;
    state.clockMovable = s.clock.movable;
    setClock(s.clock.now);
    $('mode').textContent = s.mode === 'alone' ? '未配置企业微信：机器人的一切消息都在这里' : '与企业微信并行：只有沙盒里的对话在这里';
    renderJumps();
    renderPeople();
  }

  function refreshState() {
    return request('GET', '/state').then(applyState).catch(function (error) { toast(error.message, true); });
  }

  function init() {
    $('composer').addEventListener('submit', function (event) {
      event.preventDefault();
      send($('input').value);
    });
    $('input').addEventListener('keydown', function (event) {
      if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        send($('input').value);
      }
    });
    $('mention').addEventListener('click', function () {
      var input = $('input');
      var mention = '@' + state.botName + ' ';
      if (input.value.indexOf(mention.trim()) === -1) input.value = mention + input.value;
      input.focus();
    });
    $('tab-single').addEventListener('click', function () { if (state.current) select(state.current, 'single'); });
    $('tab-group').addEventListener('click', function () { if (state.current) select(state.current, 'group'); });
    setInterval(renderClock, 1000);
    refreshState().then(connect);
    // the people and the jumps change as the bot works (a new deadline, an import): look again now and then
    setInterval(refreshState, 30000);
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', init);
  else init();
})();
