// The demo's web chat: a WeCom-like conversation with the app for each
// person of the roster, the 公众号 follower's phone and the protocol log.
// Every action is a call of the sandbox's user API, which posts a real
// signed, encrypted callback to the bot. Server-sent events tell the page
// when something changed; it then fetches what it shows.
'use strict';

const WEB = '/sandbox/web/';
const API = '/sandbox/api/users/';
const MAX_LOG = 500;

const $ = (sel) => document.querySelector(sel);

// h builds an element; text children are text nodes, so nothing the bot
// sends is ever parsed as HTML.
function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') el.className = v;
    else if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else el.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

const page = {
  cfg: null,
  me: null,
  state: null,
  reported: {},        // userid -> read mark this tab last sent
  trafficSeq: 0,
  nodes: new Map(),    // conversation item key -> element
  choices: new Map(),  // task id -> chosen option ids not yet submitted
  busy: new Set(),     // task ids with a click in flight
  refreshing: false,
  again: false,
};

// ---------------------------------------------------------------- helpers

function toast(text, ms = 2600) {
  const t = $('#toast');
  t.textContent = text;
  t.hidden = false;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => { t.hidden = true; }, ms);
}

async function getJSON(url) {
  const r = await fetch(url, { cache: 'no-store' });
  if (!r.ok) throw new Error(r.status + ' ' + (await r.text()));
  return r.json();
}

// Actions run one after another, as a person taps one thing at a time,
// so the bot sees them in the order they were made. refused, when given,
// may take a 4xx answer (it returns true when it told the user itself).
let queue = Promise.resolve();
function act(method, url, body, type, refused) {
  const run = async () => {
    const opts = { method, headers: {} };
    if (body !== undefined) {
      opts.body = body;
      opts.headers['Content-Type'] = type || 'text/plain; charset=utf-8';
    }
    const r = await fetch(url, opts);
    const text = await r.text();
    if (!r.ok) {
      if (refused && r.status >= 400 && r.status < 500 && refused(r.status, text.trim())) return null;
      if (r.status === 409) toast('该卡片已处理，不能再次操作。');
      else if (r.status === 404) toast('沙箱中没有该人员。');
      else toast('操作失败：' + text.trim());
      return null;
    }
    scheduleRefresh();
    return text ? JSON.parse(text) : null;
  };
  const p = queue.then(run, run).catch((e) => { toast('操作失败：' + e.message); return null; });
  queue = p;
  return p;
}

// Times are the bureau's (page.cfg.time_zone, Asia/Shanghai), as in the
// bot's texts, not the browser's.
const formats = new Map();
function partsOf(at) {
  const tz = (page.cfg && page.cfg.time_zone) || 'Asia/Shanghai';
  if (!formats.has(tz)) {
    formats.set(tz, new Intl.DateTimeFormat('en-US', {
      timeZone: tz, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric',
      hour: '2-digit', minute: '2-digit', second: '2-digit',
    }));
  }
  const out = {};
  for (const p of formats.get(tz).formatToParts(new Date(at))) out[p.type] = p.value;
  return out;
}
function clock(at, secs) {
  const p = partsOf(at);
  return p.hour + ':' + p.minute + (secs ? ':' + p.second : '');
}
// when is a time as a chat's separator shows it: the clock today, with
// the date on other days.
function when(at) {
  const p = partsOf(at);
  const now = partsOf(Date.now());
  if (p.year === now.year && p.month === now.month && p.day === now.day) return clock(at);
  const date = p.month + '月' + p.day + '日 ';
  return (p.year === now.year ? '' : p.year + '年') + date + clock(at);
}

const PALETTE = ['#2b7cf6', '#13a8a8', '#f5a623', '#7c5cff', '#e5484d', '#17a34a', '#eb7a2f', '#3d7ed8'];
function colorOf(id) {
  let n = 0;
  for (const ch of id) n = (n * 31 + ch.charCodeAt(0)) >>> 0;
  return PALETTE[n % PALETTE.length];
}
function avatar(user) {
  const name = user ? user.name : '政';
  const short = user ? [...name].slice(-2).join('') : '政';
  return h('span', { class: 'avatar', style: 'background:' + (user ? colorOf(user.id) : 'var(--blue)') }, short);
}
function userOf(id) { return page.cfg.users.find((u) => u.id === id); }
function nameOf(id) { const u = userOf(id); return u ? u.name : id; }
function describe(u) {
  const parts = [u.section || '局领导'].concat(u.roles && u.roles.length ? u.roles : ['工作人员']);
  return parts.join(' · ');
}

// linkify turns URLs in a text into links that open in a new tab.
function linkify(text) {
  const out = [];
  const re = /https?:\/\/[^\s，。；、）)」]+/g;
  let last = 0;
  for (const m of text.matchAll(re)) {
    out.push(text.slice(last, m.index));
    out.push(h('a', { href: m[0], target: '_blank', rel: 'noopener' }, m[0]));
    last = m.index + m[0].length;
  }
  out.push(text.slice(last));
  return out;
}

function safeID(s) { return String(s).replace(/[^A-Za-z0-9_-]/g, '_'); }

// ---------------------------------------------------------------- roster

function renderPeople() {
  const ul = $('#people');
  ul.replaceChildren(...page.cfg.users.map((u) =>
    h('li', { class: 'person', dataset: { user: u.id }, id: 'person-' + safeID(u.id), title: u.id, onclick: () => choose(u.id) },
      avatar(u),
      h('div', { class: 'meta' },
        h('div', { class: 'name' }, u.name),
        h('div', { class: 'sub' }, u.section || '局领导', (u.roles || []).map((r) => h('span', { class: 'tag' }, r)))),
      h('span', { class: 'badge', hidden: true }))));
  renderBadges();
}

// Unread counts are the sandbox's, one per person (WeCom keeps the read
// mark with the account, not the device), so every tab shows the same
// badges; a tab marks messages read when it has shown them.
function renderBadges() {
  const users = (page.state && page.state.users) || {};
  for (const li of document.querySelectorAll('.person')) {
    const id = li.dataset.user;
    li.classList.toggle('active', id === page.me);
    const unread = id === page.me ? 0 : (users[id] && users[id].unread) || 0;
    const b = li.querySelector('.badge');
    b.hidden = unread === 0;
    b.textContent = unread > 99 ? '99+' : String(unread);
  }
}

// markRead tells the sandbox that the person has seen n messages: they
// are on the screen of a visible tab.
function markRead(id, n) {
  if (document.visibilityState !== 'visible' || n <= (page.reported[id] || 0)) return;
  page.reported[id] = n;
  fetch(WEB + 'users/' + encodeURIComponent(id) + '/read', {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ messages: n }),
  }).catch(() => { page.reported[id] = 0; });
}

function choose(id) {
  if (!userOf(id)) return;
  const first = page.me !== id;
  page.me = id;
  if (location.hash !== '#' + id) history.replaceState(null, '', '#' + id);
  const u = userOf(id);
  // The sandbox's WeCom client is now logged in as this person: its
  // 网页授权 page (the 办公桌's login) reads the cookie.
  document.cookie = 'sandbox_wecom_user=' + encodeURIComponent(id) + '; path=/sandbox; SameSite=Lax';
  $('#chat-title').textContent = page.cfg.app_name;
  $('#chat-who').textContent = '当前身份：' + u.name + '（' + describe(u) + '）';
  $('#input').disabled = false;
  $('#send').disabled = false;
  $('#image').disabled = false;
  $('#input').placeholder = '以' + u.name + '的身份输入消息，按 Enter 发送';
  renderMenu();
  if (first) {
    composeNote('');
    page.nodes.clear();
    page.choices.clear();
    $('#conv').replaceChildren();
    scheduleRefresh();
    // Opening the app's conversation is WeCom's enter_agent event.
    act('POST', API + encodeURIComponent(id) + '/enter');
  }
  renderBadges();
  $('#input').focus();
}

// ---------------------------------------------------------------- menu

function renderMenu() {
  const box = $('#menu');
  const menu = page.cfg.menu;
  if (!menu || !menu.button || !menu.button.length) { box.replaceChildren(); return; }
  const off = !page.me;
  const close = closeMenus;
  box.replaceChildren(...menu.button.map((b) => {
    const item = h('div', { class: 'item' });
    const subs = b.sub_button || [];
    const btn = h('button', {
      type: 'button', disabled: off, class: subs.length ? 'has-sub' : '', dataset: { menu: b.key || b.name },
      onclick: (e) => {
        e.stopPropagation();
        if (!subs.length) { close(); clickMenu(b); return; }
        const open = item.querySelector('.submenu');
        close();
        if (open) return;
        item.append(h('div', { class: 'submenu' }, subs.map((s) =>
          h('button', { type: 'button', dataset: { menu: s.key || s.name }, onclick: (ev) => { ev.stopPropagation(); close(); clickMenu(s); } }, s.name))));
      },
    }, b.name);
    item.append(btn);
    return item;
  }));
}

function closeMenus() { document.querySelectorAll('.submenu').forEach((s) => s.remove()); }

// menuItems flattens the menu: key -> item.
function menuItems() {
  const out = new Map();
  for (const b of (page.cfg.menu && page.cfg.menu.button) || []) {
    if (b.key) out.set(b.key, b);
    for (const s of b.sub_button || []) if (s.key) out.set(s.key, s);
  }
  return out;
}

// clickMenu acts on a menu item: a view item opens its page as WeCom's
// browser would, as the chosen person (the sandbox's 网页授权 reads the
// identity cookie choose sets); a click item posts its event.
function clickMenu(item) {
  if (item.type === 'view' && item.url) { window.open(item.url, '_blank', 'noopener'); return; }
  if (page.me) act('POST', API + encodeURIComponent(page.me) + '/menu/' + encodeURIComponent(item.key));
}

// ---------------------------------------------------------------- chat

function guide() {
  const byRole = (label) => page.cfg.users.filter((u) => (u.roles || []).includes(label)).map((u) => u.name);
  const plain = page.cfg.users.filter((u) => !(u.roles || []).length);
  const staff = plain.map((u) => u.name);
  const staff0 = plain[0];
  const headOf = (u) => page.cfg.users
    .filter((p) => u && p.section === u.section && (p.roles || []).includes('股室负责人')).map((p) => p.name);
  const names = (l) => (l.length ? '（' + l.slice(0, 3).join('、') + '）' : '');
  return h('div', { class: 'guide' },
    h('h3', {}, '五分钟体验一件信息公开审批单'),
    h('ol', {},
      h('li', {}, '在左侧选择一位承办人' + names(staff) + '，点击菜单「公开申请」，按提示回答并点击卡片按钮，最后点「提交」。'),
      h('li', {}, '切换到该承办人的股室负责人' + names(headOf(staff0)) + '，在审批卡片上点「同意」。'),
      h('li', {}, '切换到办公室审核' + names(byRole('办公室审核')) + '：「同意」或「同意并报主要负责人」。'),
      h('li', {}, '重大事项由主要负责人' + names(byRole('主要负责人')) + '审核。'),
      h('li', {}, '办公室发布' + names(byRole('办公室发布')) + '逐个平台确认「已发布」，承办人即收到「已公开」通知。')),
    h('p', {}, '右侧「协议日志」显示每一次回调和接口调用的解密内容。'));
}

function itemKey(it) { return it.dir === 'out' ? 's' + it.sent.seq : 'm' + it.msg.MsgID; }

function renderConv(items) {
  const box = $('#conv');
  if (!page.me) { box.replaceChildren(guide()); return; }
  if (!items.length) {
    box.replaceChildren(h('div', { class: 'empty' }, '还没有消息。', h('br'), '发送「帮助」或点击下方菜单开始。'));
    page.nodes.clear();
    return;
  }
  const atBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 60;
  const before = box.children.length;
  const want = [];
  const keys = new Set();
  let prev = 0;
  for (const it of items) {
    const at = new Date(it.at).getTime();
    if (at - prev > 5 * 60 * 1000) {
      const k = 't' + at;
      want.push(cached(k, 'sep', () => h('div', { class: 'time-sep', title: '北京时间' }, when(it.at))));
      keys.add(k);
    }
    prev = at;
    const k = itemKey(it);
    const sig = it.dir === 'out' ? 'out' : [it.msg.Updates, it.msg.ReplacedButton].join('|');
    want.push(cached(k, sig, () => renderItem(it)));
    keys.add(k);
  }
  for (const k of [...page.nodes.keys()]) if (!keys.has(k)) page.nodes.delete(k);
  if (!box.querySelector('.msg, .note, .time-sep')) box.replaceChildren();
  want.forEach((n, i) => { if (box.children[i] !== n) box.insertBefore(n, box.children[i] || null); });
  while (box.children.length > want.length) box.lastChild.remove();
  if (atBottom || before === 0 || box.children.length > before) box.scrollTop = box.scrollHeight;
  markRead(page.me, items.filter((it) => it.dir === 'in').length);
}

function cached(key, sig, build) {
  const n = page.nodes.get(key);
  if (n && n.dataset.sig === sig) return n;
  const fresh = build();
  fresh.dataset.sig = sig;
  fresh.dataset.key = key;
  page.nodes.set(key, fresh);
  return fresh;
}

function renderItem(it) {
  if (it.dir === 'out') {
    const s = it.sent;
    if (s.kind === 'text') {
      return h('div', { class: 'msg out' }, avatar(userOf(page.me)), h('div', { class: 'bubble' }, s.text));
    }
    if (s.kind === 'image') {
      const img = h('img', { class: 'sent-image', alt: '图片', src: WEB + 'media/' + encodeURIComponent(s.key) });
      return h('div', { class: 'msg out' }, avatar(userOf(page.me)), h('div', { class: 'bubble image' }, img));
    }
    // Opening the app shows nothing in WeCom either; the log has it.
    if (s.kind === 'enter') return h('div', { class: 'note-none', hidden: true });
    let text = s.text;
    const item = s.kind === 'menu' && menuItems().get(s.key);
    if (item) text = '点击菜单「' + item.name + '」';
    return h('div', { class: 'note' }, h('span', {}, text));
  }
  const m = it.msg;
  const body = m.Card ? renderCard(m) : h('div', { class: 'bubble' }, linkify(m.Text || ''));
  return h('div', { class: 'msg in', dataset: { msgid: m.MsgID } }, avatar(null), body);
}

function renderCard(m) {
  const c = m.Card;
  const task = c.task_id || '';
  const replaced = m.ReplacedButton;
  const card = h('div', { class: 'card', dataset: { task, type: c.card_type } });
  if (c.card_type === 'text_notice' && c.card_action && c.card_action.url) {
    card.classList.add('clickable');
    card.addEventListener('click', (e) => { if (!e.target.closest('a,button,label,select')) window.open(c.card_action.url, '_blank', 'noopener'); });
  }
  card.append(h('div', { class: 'card-source' }, h('span', { class: 'src-icon' }, '政'), (c.source && c.source.desc) || page.cfg.app_name));
  if (c.main_title) {
    if (c.main_title.title) card.append(h('div', { class: 'card-title' }, c.main_title.title));
    if (c.main_title.desc) card.append(h('div', { class: 'card-desc' }, c.main_title.desc));
  }
  if (c.emphasis_content && (c.emphasis_content.title || c.emphasis_content.desc)) {
    card.append(h('div', { class: 'card-emph' }, h('b', {}, c.emphasis_content.title || ''), h('span', {}, c.emphasis_content.desc || '')));
  }
  if (c.quote_area && c.quote_area.quote_text) card.append(h('div', { class: 'card-sub' }, c.quote_area.quote_text));
  if (c.sub_title_text) card.append(h('div', { class: 'card-sub' }, c.sub_title_text));
  if (c.horizontal_content_list && c.horizontal_content_list.length) {
    card.append(h('dl', { class: 'card-kv' }, c.horizontal_content_list.map((f) =>
      h('div', {}, h('dt', {}, f.keyname),
        h('dd', {}, f.type === 1 && f.url ? h('a', { href: f.url, target: '_blank', rel: 'noopener' }, f.value || f.url) : (f.value || ''))))));
  }
  if (c.jump_list && c.jump_list.length) {
    card.append(h('div', { class: 'card-jumps' }, c.jump_list.map((j) =>
      h('a', { href: j.url || '#', target: '_blank', rel: 'noopener' }, j.title))));
  }
  if (c.checkbox) card.append(renderChecks(c, task, !!replaced));
  if (c.select_list && c.select_list.length) card.append(renderSelects(c, task, !!replaced));
  if (replaced) {
    card.append(h('div', { class: 'card-replaced' }, replaced));
  } else if (c.button_list && c.button_list.length) {
    card.append(h('div', { class: 'card-buttons' }, c.button_list.map((b) =>
      h('button', {
        type: 'button', class: 'btn-' + (b.style || 1), id: 'b-' + safeID(task) + '-' + safeID(b.key),
        dataset: { key: b.key }, disabled: page.busy.has(task),
        onclick: (e) => clickButton(task, b.key, e.currentTarget),
      }, b.text))));
  } else if (c.submit_button) {
    card.append(h('div', { class: 'card-buttons' },
      h('button', {
        type: 'button', class: 'btn-1', id: 'b-' + safeID(task) + '-' + safeID(c.submit_button.key),
        dataset: { key: c.submit_button.key }, disabled: page.busy.has(task),
        onclick: (e) => submitCard(c, e.currentTarget),
      }, c.submit_button.text)));
  }
  if (m.Updates > 0) card.append(h('div', { class: 'card-updated' }, '卡片已更新'));
  return card;
}

function renderChecks(c, task, done) {
  const cb = c.checkbox;
  const multi = cb.mode === 1;
  if (!page.choices.has(task)) page.choices.set(task, new Set(cb.option_list.filter((o) => o.is_checked).map((o) => o.id)));
  const chosen = page.choices.get(task);
  const box = h('div', { class: 'card-checks' + (done ? ' done' : '') });
  const paint = () => box.querySelectorAll('label').forEach((l) => {
    const on = chosen.has(l.dataset.option);
    l.classList.toggle('on', on);
    l.querySelector('input').checked = on;
  });
  for (const o of cb.option_list) {
    const input = h('input', {
      type: multi ? 'checkbox' : 'radio', name: 'q-' + task, disabled: done, id: 'o-' + safeID(task) + '-' + safeID(o.id),
      onchange: () => {
        if (!multi) chosen.clear();
        if (input.checked) chosen.add(o.id); else chosen.delete(o.id);
        paint();
      },
    });
    box.append(h('label', { dataset: { option: o.id } }, input, o.text));
  }
  paint();
  return box;
}

function renderSelects(c, task, done) {
  const box = h('div', { class: 'card-selects' });
  for (const s of c.select_list) {
    const sel = h('select', { disabled: done, dataset: { question: s.question_key } },
      s.option_list.map((o) => h('option', { value: o.id, selected: o.id === s.selected_id }, o.text)));
    box.append(h('label', {}, s.title || s.question_key, sel));
  }
  return box;
}

async function clickButton(task, key, btn) {
  if (!page.me || page.busy.has(task)) return;
  page.busy.add(task);
  btn.closest('.card').querySelectorAll('button').forEach((b) => { b.disabled = true; });
  await act('POST', API + encodeURIComponent(page.me) + '/cards/' + encodeURIComponent(task) + '/' + encodeURIComponent(key));
  page.busy.delete(task);
  btn.closest('.card').querySelectorAll('button').forEach((b) => { b.disabled = false; });
}

async function submitCard(c, btn) {
  const task = c.task_id;
  if (!page.me || page.busy.has(task)) return;
  const answer = {};
  if (c.checkbox) answer[c.checkbox.question_key] = [...(page.choices.get(task) || [])];
  for (const sel of btn.closest('.card').querySelectorAll('select')) answer[sel.dataset.question] = [sel.value];
  page.busy.add(task);
  btn.disabled = true;
  await act('POST', API + encodeURIComponent(page.me) + '/cards/' + encodeURIComponent(task), JSON.stringify(answer), 'application/json');
  page.busy.delete(task);
  btn.disabled = false;
}

// composeNote shows, above the input, why a text was not sent; it stays
// until the text is changed or sent.
function composeNote(text) {
  const n = $('#compose-note');
  n.textContent = text;
  n.hidden = !text;
}

// refusedText handles a text the client would not send (too long, not
// UTF-8): it is put back into the input, if that is still empty, and the
// user is told why; nothing reached the bot.
function refusedText(input, text, note) {
  return (status, why) => {
    if (status !== 400 && status !== 413) return false;
    const el = input();
    if (el && !el.value) el.value = text;
    note(why || '消息未发送。');
    return true;
  };
}

function sendText() {
  const input = $('#input');
  const text = input.value.trim();
  if (!page.me || !text) return;
  input.value = '';
  composeNote('');
  act('POST', API + encodeURIComponent(page.me) + '/text', text, undefined,
    refusedText(() => $('#input'), text, composeNote));
}

// sendImage sends the chosen picture as WeCom's client does: the sandbox
// keeps it as temporary media and posts the image callback.
function sendImage(file) {
  if (!page.me || !file) return;
  composeNote('');
  act('POST', API + encodeURIComponent(page.me) + '/image', file, file.type || 'application/octet-stream',
    (status, why) => { if (status !== 400 && status !== 413) return false; composeNote(why || '图片未发送。'); return true; });
}

// ---------------------------------------------------------------- 公众号 phone

function phoneNote(text) {
  const n = $('#phone-note');
  if (!n) return;
  n.textContent = text;
  n.hidden = !text;
}

// buildPhone makes the phone's frame once: its input keeps what is being
// typed while notices arrive, as only the body is drawn again.
function buildPhone(f) {
  const phone = $('#phone');
  const body = h('div', { class: 'phone-body', id: 'phone-body' });
  const parts = [h('div', { class: 'phone-head' }, f.account || '公众号'), body];
  if (page.cfg.follower && page.cfg.follower.can_send) {
    const input = h('input', { placeholder: '发送给公众号，如「订阅」', id: 'phone-input', oninput: () => phoneNote('') });
    const send = async (e) => {
      e.preventDefault();
      const text = input.value.trim();
      if (!text) return;
      input.value = '';
      phoneNote('');
      await act('POST', WEB + 'follower/text', text, undefined, refusedText(() => $('#phone-input'), text, phoneNote));
    };
    parts.push(h('div', { class: 'phone-note', id: 'phone-note', role: 'alert', hidden: true }));
    parts.push(h('form', { class: 'phone-input', onsubmit: send }, input, h('button', { type: 'submit' }, '发送')));
  }
  phone.replaceChildren(...parts);
  return body;
}

async function refreshPhone() {
  const f = await getJSON(WEB + 'follower');
  const phone = $('#phone');
  phone.parentElement.classList.toggle('off', !f.configured);
  if (!f.configured) {
    $('#phone-sub').textContent = '';
    phone.replaceChildren(h('div', { class: 'phone-head' }, '公众号'),
      h('div', { class: 'phone-body' }, h('div', { class: 'phone-empty', id: 'phone-empty' },
        h('b', {}, '（公众号未配置）'), '接入公众号沙箱后，这里显示粉丝手机上收到的公开通知。')));
    return;
  }
  $('#phone-sub').textContent = f.follower || '';
  const body = $('#phone-body') || buildPhone(f);
  const items = [];
  if (!f.notices.length) items.push(h('div', { class: 'phone-empty' }, '尚未收到通知。'));
  for (const n of f.notices) {
    items.push(h('div', { class: 'notice' },
      h('div', { class: 'n-title' }, n.title), h('div', { class: 'n-time', title: '北京时间' }, clock(n.at, true)),
      n.text ? h('div', { class: 'n-text' }, n.text) : null,
      n.url ? h('a', { href: n.url, target: '_blank', rel: 'noopener' }, '详情 ›') : null));
  }
  body.replaceChildren(...items);
  body.scrollTop = body.scrollHeight;
}

// ---------------------------------------------------------------- protocol log

function renderTx(e) {
  const dir = e.dir === 'callback' ? '回调' : '接口';
  const dirTitle = e.dir === 'callback' ? '企业微信（沙箱）→ 机器人：加密回调' : '机器人 → 企业微信（沙箱）：服务端接口';
  let status = String(e.status || '');
  let ok = e.status >= 200 && e.status < 300 && !e.error;
  if (e.errcode !== undefined && e.errcode !== null) {
    status += ' errcode ' + e.errcode;
    ok = ok && e.errcode === 0;
  }
  if (e.error) status = '失败';
  const who = e.user ? ' ' + nameOf(e.user) : '';
  const body = h('div', { class: 'tx-body' }, h('div', { class: 'tx-path' }, e.method + ' ' + e.path));
  if (e.attempt > 1) body.append(h('div', { class: 'tx-label' }, '第 ' + e.attempt + ' 次投递（重试）'));
  if (e.request) body.append(h('div', { class: 'tx-label' }, e.dir === 'callback' ? '解密后的 XML' : '请求 JSON'), h('pre', {}, e.request));
  if (e.response) body.append(h('div', { class: 'tx-label' }, '应答'), h('pre', {}, e.response));
  if (e.error) body.append(h('div', { class: 'tx-label' }, '错误'), h('pre', {}, e.error));
  return h('details', { class: 'tx tx-' + e.dir, id: 'tx-' + e.seq, dataset: { seq: e.seq } },
    h('summary', {},
      h('span', { class: 'tx-time', title: '北京时间' }, clock(e.at, true)),
      h('span', { class: 'tx-dir', title: dirTitle }, dir),
      h('span', { class: 'tx-sum', title: e.summary + who }, e.summary + who),
      h('span', { class: 'tx-status ' + (ok ? 'ok' : 'bad') }, status)),
    body);
}

async function refreshLog() {
  const entries = await getJSON(WEB + 'traffic?after=' + page.trafficSeq);
  const log = $('#log');
  if (!entries.length) {
    if (!log.children.length) log.append(h('div', { class: 'log-empty' }, '暂无通信。'));
    return;
  }
  log.querySelector('.log-empty')?.remove();
  page.trafficSeq = entries[0].seq;
  const frag = document.createDocumentFragment();
  for (const e of entries) frag.append(renderTx(e));
  log.prepend(frag);
  while (log.children.length > MAX_LOG) log.lastChild.remove();
}

// ---------------------------------------------------------------- state

function onState(st) {
  const fresh = !page.state || page.state.instance !== st.instance || page.state.generation !== st.generation;
  const old = page.state;
  page.state = st;
  if (fresh) {
    // A restart or 重置演示数据: start over.
    page.reported = {};
    page.trafficSeq = 0;
    $('#log').replaceChildren();
    page.nodes.clear();
    page.choices.clear();
    if (page.me) $('#conv').replaceChildren();
  }
  renderBadges();
  scheduleRefresh(fresh || !old || old.follower !== st.follower || old.follower_at !== st.follower_at);
}

let phoneDue = true;
function scheduleRefresh(phone) {
  if (phone) phoneDue = true;
  if (page.refreshing) { page.again = true; return; }
  refresh();
}

async function refresh() {
  page.refreshing = true;
  try {
    do {
      page.again = false;
      const me = page.me;
      const jobs = [refreshLog()];
      if (me) jobs.push(getJSON(WEB + 'users/' + encodeURIComponent(me) + '/conversation').then((items) => { if (page.me === me) renderConv(items); }));
      else renderConv([]);
      if (phoneDue) { phoneDue = false; jobs.push(refreshPhone()); }
      await Promise.all(jobs);
    } while (page.again);
  } catch (e) {
    toast('刷新失败：' + e.message);
  } finally {
    page.refreshing = false;
  }
}

function connect() {
  const conn = $('#conn');
  const es = new EventSource(WEB + 'events');
  es.addEventListener('state', (e) => {
    conn.textContent = '已连接';
    conn.className = 'conn ok';
    onState(JSON.parse(e.data));
  });
  es.onerror = () => {
    conn.textContent = '连接中断，正在重连…';
    conn.className = 'conn bad';
  };
}

// ---------------------------------------------------------------- reset

function setupReset() {
  const btn = $('#reset');
  let armed = null;
  btn.addEventListener('click', async () => {
    if (!armed) {
      // Two clicks, so that a stray one does not wipe a demo in progress.
      btn.textContent = '确认重置？';
      btn.classList.add('confirm');
      armed = setTimeout(() => { armed = null; btn.textContent = '重置演示数据'; btn.classList.remove('confirm'); }, 4000);
      return;
    }
    clearTimeout(armed);
    armed = null;
    btn.textContent = '正在重置…';
    btn.disabled = true;
    const r = await act('POST', WEB + 'reset');
    btn.disabled = false;
    btn.textContent = '重置演示数据';
    btn.classList.remove('confirm');
    if (r) {
      toast('演示数据已重置。');
      const me = page.me;
      page.me = null;
      if (me) choose(me);
    }
  });
}

// ---------------------------------------------------------------- start

async function start() {
  try {
    page.cfg = await getJSON(WEB + 'config');
  } catch (e) {
    $('#conv').replaceChildren(h('div', { class: 'empty' }, '无法连接演示服务：' + e.message));
    return;
  }
  document.title = page.cfg.app_name + ' · 本地演示';
  $('#app-name').textContent = page.cfg.app_name;
  $('#chat-title').textContent = page.cfg.app_name;
  renderPeople();
  renderMenu();
  renderConv([]);
  $('#form').addEventListener('submit', (e) => { e.preventDefault(); sendText(); });
  $('#image').addEventListener('change', (e) => { const f = e.target.files[0]; e.target.value = ''; sendImage(f); });
  $('#input').addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) { e.preventDefault(); sendText(); }
  });
  $('#input').addEventListener('input', () => composeNote(''));
  // A tab in the background has not shown anything; back in front it
  // shows the open conversation, which is then read.
  document.addEventListener('visibilitychange', () => { if (document.visibilityState === 'visible') scheduleRefresh(); });
  document.addEventListener('click', closeMenus);
  setupReset();
  connect();
  const wanted = decodeURIComponent(location.hash.slice(1));
  if (wanted) choose(wanted);
}

start();
