/**
 * A message or event that reached the bot, whatever channel it came through.
 * Produced by the channel adapters (WeCom app, WeCom robot, sandbox), consumed by the inbox.
 */
export type InboundChannel = 'app' | 'robot' | 'sandbox';

export interface InboundEvent {
  /** e.g. enter_agent, subscribe, click, template_card_event, enter_chat, feedback_event */
  type: string;
  /** EventKey / event_key (the clicked button key, menu key …) */
  key?: string;
  /** TaskId / task_id of a template card */
  taskId?: string;
  /** ResponseCode of an app template_card_event (single use, for message/update_template_card) */
  responseCode?: string;
  cardType?: string;
  /** question_key → selected option ids */
  selected?: Record<string, string[]>;
}

/** A file attached to a message. The content is not in the message: it is downloaded (and decrypted) on demand. */
export interface InboundFile {
  /** download URL as received (robot: valid 5 minutes, body AES-encrypted with the callback key) */
  url: string;
  /** the file name, when the channel gives one */
  fileName?: string;
}

export interface InboundMessage {
  channel: InboundChannel;
  /**
   * The dedupe key, unique per channel: MsgId (app), msgid (robot). Events of the app have no MsgId: the key is
   * derived from FromUserName, CreateTime, Event, EventKey and TaskId.
   */
  msgKey: string;
  /** WeCom userid of the sender. */
  userId: string;
  chatType: 'single' | 'group';
  /** Group chat id (robot group messages only). */
  chatId?: string;
  /** Raw WeCom message type: text, image, voice, event, mixed, stream … */
  msgType: string;
  /** Text content; in a group the leading @<robot name> is already stripped. Also the text parts of a mixed message. */
  text?: string;
  event?: InboundEvent;
  /** A file the person sent (robot single chat, msgtype `file`): where to download it, for 5 minutes. */
  file?: InboundFile;
  /** Robot only: the single-use reply URL (valid 1 h). Used verbatim, never rebuilt. */
  responseUrl?: string;
  /** Robot id (aibotid) or app AgentID, as received. */
  botId?: string;
  /** When WeCom says the message was created (CreateTime / create_time), else the time it was received. */
  createdAt: Date;
}
