/**
 * Plays WeCom's side of the callbacks against the bot under test: URL verification (GET), app messages (POST
 * XML envelope) and robot messages (POST {"encrypt"}), signed and encrypted with the fake's own crypto. It also
 * verifies the bot's passive replies (signature, receiveid, nonce echo for the robot).
 */
import {
  FakeCryptoCode,
  FakeCryptoError,
  computeSignature,
  encryptFrame,
  randomDigits,
  signatureMatches,
  decryptFrame,
} from './fake-crypto';

export interface WeComCallbackClientOptions {
  /** Origin of the bot under test, e.g. http://127.0.0.1:41234 */
  baseUrl: string;
  token: string;
  encodingAesKey: string;
  /** The CorpID for the self-built app, '' for the intelligent robot. */
  receiveId: string;
  /** Source of the callback timestamps (default: real time). */
  now?: () => Date;
}

/** A request as the client sends it; mutate a copy and pass it to send() for negative tests. */
export interface RawCallbackRequest {
  method: 'GET' | 'POST';
  /** path without query, e.g. '/wecom/callback' */
  path: string;
  /** query parameters in sending order, values NOT yet percent-encoded */
  query: Record<string, string>;
  /** body text (POST only) */
  body?: string;
  contentType?: string;
}

/** Fixed timestamp / nonce / random prefix, to reproduce a vector byte for byte (all optional). */
export interface Stamp {
  timestamp?: string;
  nonce?: string;
  /** 16 bytes */
  random?: Buffer;
}

export interface SendOptions {
  /** WeCom retries: how many times to re-send the SAME request after a timeout or a non-200 answer (default 0). */
  retries?: number;
  /** Per-attempt timeout (WeCom: 5000 ms; default 5000). */
  timeoutMs?: number;
}

export interface CallbackAttempt {
  status?: number;
  body?: string;
  /** 'timeout' | 'network' when no HTTP answer came */
  failure?: 'timeout' | 'network';
  elapsedMs: number;
}

export interface CallbackResult {
  /** Status of the last attempt (undefined when it timed out or failed). */
  status?: number;
  /** Body of the last attempt. */
  body: string;
  ok: boolean;
  attempts: CallbackAttempt[];
  request: RawCallbackRequest;
  /** Full URL (path + encoded query) that was called. */
  url: string;
}

export interface VerifyUrlResult extends CallbackResult {
  /** The echostr plaintext the bot must answer with. */
  expectedEcho: string;
  /** status 200 and body exactly the echo plaintext */
  echoed: boolean;
}

export class WeComCallbackClient {
  /** The last request sent (for inspection in tests). */
  lastRequest?: RawCallbackRequest;
  private readonly baseUrl: string;

  constructor(private readonly options: WeComCallbackClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
  }

  get receiveId(): string {
    return this.options.receiveId;
  }

  // ---- building requests ------------------------------------------------------------------------------------

  buildVerifyRequest(path: string, opts: { echoPlaintext?: string; stamp?: Stamp } = {}): { request: RawCallbackRequest; expectedEcho: string } {
    const echoPlaintext = opts.echoPlaintext ?? randomDigits(19);
    const echostr = encryptFrame(this.options.encodingAesKey, echoPlaintext, this.options.receiveId, opts.stamp?.random);
    const { timestamp, nonce } = this.freshStamp(opts.stamp);
    const signature = computeSignature(this.options.token, timestamp, nonce, echostr);
    return {
      request: { method: 'GET', path, query: { msg_signature: signature, timestamp, nonce, echostr } },
      expectedEcho: echoPlaintext,
    };
  }

  /** The XML envelope WeCom posts for a self-built app; AgentID is taken from the plaintext unless given. */
  buildAppRequest(
    path: string,
    xmlPlaintext: string,
    opts: { agentId?: string | number; toUserName?: string; stamp?: Stamp } = {},
  ): RawCallbackRequest {
    const encrypt = encryptFrame(this.options.encodingAesKey, xmlPlaintext, this.options.receiveId, opts.stamp?.random);
    const { timestamp, nonce } = this.freshStamp(opts.stamp);
    const signature = computeSignature(this.options.token, timestamp, nonce, encrypt);
    const agentId = String(opts.agentId ?? readXmlField(xmlPlaintext, 'AgentID') ?? '');
    const toUserName = opts.toUserName ?? this.options.receiveId;
    const body =
      `<xml><ToUserName><![CDATA[${toUserName}]]></ToUserName>` +
      `<AgentID><![CDATA[${agentId}]]></AgentID>` +
      `<Encrypt><![CDATA[${encrypt}]]></Encrypt></xml>`;
    return { method: 'POST', path, query: { msg_signature: signature, timestamp, nonce }, body, contentType: 'text/xml' };
  }

  /** The `{"encrypt": ...}` body WeCom posts for the intelligent robot. */
  buildRobotRequest(path: string, jsonPlaintext: string | object, opts: { stamp?: Stamp } = {}): RawCallbackRequest {
    const plaintext = typeof jsonPlaintext === 'string' ? jsonPlaintext : JSON.stringify(jsonPlaintext);
    const encrypt = encryptFrame(this.options.encodingAesKey, plaintext, this.options.receiveId, opts.stamp?.random);
    const { timestamp, nonce } = this.freshStamp(opts.stamp);
    const signature = computeSignature(this.options.token, timestamp, nonce, encrypt);
    return {
      method: 'POST',
      path,
      query: { msg_signature: signature, timestamp, nonce },
      body: JSON.stringify({ encrypt }),
      contentType: 'application/json',
    };
  }

  // ---- sending ----------------------------------------------------------------------------------------------

  async verifyUrl(path: string, opts: SendOptions & { echoPlaintext?: string; stamp?: Stamp } = {}): Promise<VerifyUrlResult> {
    const { request, expectedEcho } = this.buildVerifyRequest(path, opts);
    const result = await this.send(request, opts);
    return { ...result, expectedEcho, echoed: result.status === 200 && result.body === expectedEcho };
  }

  postAppMessage(
    path: string,
    xmlPlaintext: string,
    opts: SendOptions & { agentId?: string | number; stamp?: Stamp } = {},
  ): Promise<CallbackResult> {
    return this.send(this.buildAppRequest(path, xmlPlaintext, opts), opts);
  }

  postRobotMessage(path: string, jsonPlaintext: string | object, opts: SendOptions & { stamp?: Stamp } = {}): Promise<CallbackResult> {
    return this.send(this.buildRobotRequest(path, jsonPlaintext, opts), opts);
  }

  /**
   * Send a (possibly tampered) request. With `retries`, re-sends exactly the same request after a timeout or a
   * non-200 answer, like WeCom does.
   */
  async send(request: RawCallbackRequest, opts: SendOptions = {}): Promise<CallbackResult> {
    const retries = opts.retries ?? 0;
    const timeoutMs = opts.timeoutMs ?? 5000;
    const url = `${this.baseUrl}${request.path}?${encodeQuery(request.query)}`;
    this.lastRequest = { ...request, query: { ...request.query } };
    const attempts: CallbackAttempt[] = [];
    for (let i = 0; i <= retries; i++) {
      const started = Date.now();
      try {
        const response = await fetch(url, {
          method: request.method,
          headers: request.body !== undefined ? { 'content-type': request.contentType ?? 'text/plain' } : undefined,
          body: request.body,
          signal: AbortSignal.timeout(timeoutMs),
        });
        const body = await response.text();
        attempts.push({ status: response.status, body, elapsedMs: Date.now() - started });
        if (response.status === 200) break;
      } catch (err) {
        // duck-typed: AbortSignal.timeout()'s DOMException may come from another realm (jest)
        const name = err !== null && typeof err === 'object' ? (err as { name?: unknown }).name : undefined;
        attempts.push({ failure: name === 'TimeoutError' || name === 'AbortError' ? 'timeout' : 'network', elapsedMs: Date.now() - started });
      }
    }
    const last = attempts[attempts.length - 1];
    return { status: last.status, body: last.body ?? '', ok: last.status === 200, attempts, request, url };
  }

  // ---- verifying passive replies ----------------------------------------------------------------------------

  /** Verify and decrypt the bot's XML passive reply; returns the plaintext XML. Throws FakeCryptoError. */
  decryptAppReply(xml: string): string {
    const encrypt = readXmlField(xml, 'Encrypt');
    const signature = readXmlField(xml, 'MsgSignature');
    const timestamp = readXmlField(xml, 'TimeStamp');
    const nonce = readXmlField(xml, 'Nonce');
    if (!encrypt || !signature || !timestamp || !nonce) {
      throw new FakeCryptoError(FakeCryptoCode.parse, 'reply envelope lacks Encrypt, MsgSignature, TimeStamp or Nonce');
    }
    if (!/^\d+$/.test(timestamp)) throw new FakeCryptoError(FakeCryptoCode.parse, `TimeStamp is not seconds: ${timestamp}`);
    this.checkSignature(timestamp, nonce, encrypt, signature);
    return decryptFrame(this.options.encodingAesKey, encrypt, this.options.receiveId).message;
  }

  /**
   * Verify and decrypt the bot's JSON passive reply to a robot callback sent with `nonce` (the reply must echo
   * it); returns the parsed plaintext JSON. Throws FakeCryptoError.
   */
  decryptRobotReply(json: string | object, nonce: string): unknown {
    let envelope: Record<string, unknown>;
    try {
      envelope = (typeof json === 'string' ? JSON.parse(json) : json) as Record<string, unknown>;
    } catch {
      throw new FakeCryptoError(FakeCryptoCode.parse, 'reply is not JSON');
    }
    const { encrypt, msgsignature, timestamp } = envelope;
    if (typeof encrypt !== 'string' || typeof msgsignature !== 'string' || (typeof timestamp !== 'number' && typeof timestamp !== 'string')) {
      throw new FakeCryptoError(FakeCryptoCode.parse, 'reply lacks encrypt, msgsignature or timestamp');
    }
    if (!/^\d+$/.test(String(timestamp))) throw new FakeCryptoError(FakeCryptoCode.parse, `timestamp is not seconds: ${String(timestamp)}`);
    if (envelope.nonce !== nonce) {
      throw new FakeCryptoError(FakeCryptoCode.signature, `reply nonce ${JSON.stringify(envelope.nonce)} does not echo the callback nonce`);
    }
    this.checkSignature(String(timestamp), nonce, encrypt, msgsignature);
    const message = decryptFrame(this.options.encodingAesKey, encrypt, this.options.receiveId).message;
    try {
      return JSON.parse(message);
    } catch {
      throw new FakeCryptoError(FakeCryptoCode.parse, 'reply plaintext is not JSON');
    }
  }

  private checkSignature(timestamp: string, nonce: string, encrypt: string, signature: string): void {
    const expected = computeSignature(this.options.token, timestamp, nonce, encrypt);
    if (!signatureMatches(expected, signature)) throw new FakeCryptoError(FakeCryptoCode.signature, 'reply signature mismatch');
  }

  private freshStamp(stamp?: Stamp): { timestamp: string; nonce: string } {
    const now = this.options.now ? this.options.now() : new Date();
    return { timestamp: stamp?.timestamp ?? String(Math.floor(now.getTime() / 1000)), nonce: stamp?.nonce ?? randomDigits(10) };
  }
}

/** Percent-encode like WeCom does (echostr's '+', '/', '=' become %2B, %2F, %3D). */
export function encodeQuery(query: Record<string, string>): string {
  return Object.entries(query)
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`)
    .join('&');
}

/** Text of the first <name> element, CDATA or plain; undefined when absent. */
export function readXmlField(xml: string, name: string): string | undefined {
  const match = new RegExp(`<${name}>\\s*(?:<!\\[CDATA\\[([\\s\\S]*?)\\]\\]>|([^<]*))\\s*</${name}>`).exec(xml);
  if (!match) return undefined;
  return match[1] ?? match[2];
}

// ---- plaintext builders ---------------------------------------------------------------------------------------

function cdata(value: string): string {
  return `<![CDATA[${value.split(']]>').join(']]]]><![CDATA[>')}]]>`;
}

let msgIdCounter = 0n;

/** A 64-bit-looking MsgId (above 2^53, so a JS number would lose digits). */
export function nextMsgId(): string {
  msgIdCounter += 1n;
  return (7452301234567890000n + msgIdCounter).toString();
}

export interface AppTextXmlInput {
  corpId: string;
  from: string;
  content: string;
  agentId: number | string;
  msgId?: string;
  /** seconds */
  createTime?: number;
}

/** Decrypted XML of a member's text message to the app (§2.2). */
export function buildAppTextXml(input: AppTextXmlInput): string {
  const createTime = input.createTime ?? Math.floor(Date.now() / 1000);
  return (
    `<xml><ToUserName>${cdata(input.corpId)}</ToUserName><FromUserName>${cdata(input.from)}</FromUserName>` +
    `<CreateTime>${createTime}</CreateTime><MsgType><![CDATA[text]]></MsgType>` +
    `<Content>${cdata(input.content)}</Content><MsgId>${input.msgId ?? nextMsgId()}</MsgId>` +
    `<AgentID>${input.agentId}</AgentID></xml>`
  );
}

export interface AppEventXmlInput {
  corpId: string;
  from: string;
  agentId: number | string;
  /** subscribe | unsubscribe | enter_agent | click | view | template_card_event | template_card_menu_event … */
  event: string;
  eventKey?: string;
  taskId?: string;
  cardType?: string;
  responseCode?: string;
  /** question_key → option ids */
  selectedItems?: Array<{ questionKey: string; optionIds: string[] }>;
  createTime?: number;
}

/** Decrypted XML of an app event (§2.3); events have no MsgId. */
export function buildAppEventXml(input: AppEventXmlInput): string {
  const createTime = input.createTime ?? Math.floor(Date.now() / 1000);
  let extra = `<EventKey>${cdata(input.eventKey ?? '')}</EventKey>`;
  if (input.taskId !== undefined) extra += `<TaskId>${cdata(input.taskId)}</TaskId>`;
  if (input.cardType !== undefined) extra += `<CardType>${cdata(input.cardType)}</CardType>`;
  if (input.responseCode !== undefined) extra += `<ResponseCode>${cdata(input.responseCode)}</ResponseCode>`;
  if (input.selectedItems) {
    extra +=
      '<SelectedItems>' +
      input.selectedItems
        .map(
          (item) =>
            `<SelectedItem><QuestionKey>${cdata(item.questionKey)}</QuestionKey><OptionIds>` +
            item.optionIds.map((id) => `<OptionId>${cdata(id)}</OptionId>`).join('') +
            '</OptionIds></SelectedItem>',
        )
        .join('') +
      '</SelectedItems>';
  }
  return (
    `<xml><ToUserName>${cdata(input.corpId)}</ToUserName><FromUserName>${cdata(input.from)}</FromUserName>` +
    `<CreateTime>${createTime}</CreateTime><MsgType><![CDATA[event]]></MsgType>` +
    `<Event>${cdata(input.event)}</Event>${extra}<AgentID>${input.agentId}</AgentID></xml>`
  );
}

export interface RobotTextJsonInput {
  aibotId: string;
  from: string;
  content: string;
  chatType?: 'single' | 'group';
  /** group chats only */
  chatId?: string;
  msgId?: string;
  /** e.g. from FakeWeCom.mintResponseUrl() */
  responseUrl?: string;
}

let robotMsgCounter = 0;

/** Decrypted JSON of a robot text message (§8.2). In groups `content` should start with "@<robot name>". */
export function buildRobotTextJson(input: RobotTextJsonInput): Record<string, unknown> {
  robotMsgCounter += 1;
  const out: Record<string, unknown> = {
    msgid: input.msgId ?? `bmsg-fake-${Date.now()}-${robotMsgCounter}`,
    aibotid: input.aibotId,
  };
  const chatType = input.chatType ?? (input.chatId ? 'group' : 'single');
  if (chatType === 'group') out.chatid = input.chatId ?? 'wrkFakeGroup0001';
  out.chattype = chatType;
  out.from = { userid: input.from };
  if (input.responseUrl) out.response_url = input.responseUrl;
  out.msgtype = 'text';
  out.text = { content: input.content };
  return out;
}

export interface RobotEventJsonInput {
  aibotId: string;
  from: string;
  /** enter_chat | template_card_event | feedback_event */
  eventType: string;
  payload?: Record<string, unknown>;
  chatType?: 'single' | 'group';
  chatId?: string;
  msgId?: string;
  responseUrl?: string;
  createTime?: number;
}

/** Decrypted JSON of a robot event (§8.3). */
export function buildRobotEventJson(input: RobotEventJsonInput): Record<string, unknown> {
  robotMsgCounter += 1;
  const out: Record<string, unknown> = {
    msgid: input.msgId ?? `bevt-fake-${Date.now()}-${robotMsgCounter}`,
    create_time: input.createTime ?? Math.floor(Date.now() / 1000),
    aibotid: input.aibotId,
  };
  const chatType = input.chatType ?? (input.chatId ? 'group' : 'single');
  if (chatType === 'group') out.chatid = input.chatId ?? 'wrkFakeGroup0001';
  out.chattype = chatType;
  out.from = { userid: input.from };
  if (input.responseUrl) out.response_url = input.responseUrl;
  out.msgtype = 'event';
  out.event = { eventtype: input.eventType, ...(input.payload ? { [input.eventType]: input.payload } : {}) };
  return out;
}

export interface RobotFileJsonInput {
  userId: string;
  /** the download URL (FakeWeCom.putRobotFile) */
  url: string;
  msgId?: string;
  aibotId?: string;
  responseUrl?: string;
  createTime?: number;
}

/** A robot single-chat file message (PROTOCOL §8.2: `msgtype: file`, `file.url`); files never come from groups. */
export function buildRobotFileJson(input: RobotFileJsonInput): Record<string, unknown> {
  return {
    msgid: input.msgId ?? nextMsgId(),
    ...(input.aibotId ? { aibotid: input.aibotId } : {}),
    ...(input.createTime !== undefined ? { create_time: input.createTime } : {}),
    chattype: 'single',
    from: { userid: input.userId },
    ...(input.responseUrl ? { response_url: input.responseUrl } : {}),
    msgtype: 'file',
    file: { url: input.url },
  };
}
