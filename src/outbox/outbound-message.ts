/**
 * What the bot sends, as stored in an outbox row (JSON). Channel-neutral in shape: the Sender port turns it into
 * API calls. Bodies follow the WeCom payloads closely because those are the richest channel we have.
 */

/** A template card as WeCom's message/send accepts it (card_type, main_title, button_list, task_id …). */
export type TemplateCard = Record<string, unknown> & { card_type: string; task_id?: string };

/**
 * A file the bot generated (an export), stored in outbound_files; the row carries only its id and name. The WeCom
 * sender uploads the bytes (media/upload) and sends msgtype file with the media_id; the sandbox offers a download.
 */
export interface OutboundFileRef {
  fileId: number;
  /** the file name the recipient sees */
  name: string;
}

export type AppMessageBody =
  | { msgtype: 'text'; text: { content: string } }
  | { msgtype: 'markdown'; markdown: { content: string } }
  | { msgtype: 'template_card'; template_card: TemplateCard }
  | { msgtype: 'file'; file: OutboundFileRef };

export type WebhookMessageBody =
  | { msgtype: 'text'; text: { content: string; mentioned_list?: string[]; mentioned_mobile_list?: string[] } }
  | { msgtype: 'markdown'; markdown: { content: string } };

export type RobotResponseBody =
  | { msgtype: 'markdown'; markdown: { content: string } }
  | { msgtype: 'template_card'; template_card: TemplateCard };

export type OutboundMessage =
  /** To members through the self-built app's message/send. */
  | { channel: 'app'; toUser: string[]; body: AppMessageBody }
  /** Into a group through a group-bot webhook; webhookUrl absent = the configured default group. */
  | { channel: 'webhook'; webhookUrl?: string; body: WebhookMessageBody }
  /** Answer to one robot message through its single-use response_url; fallback used when it cannot be used. */
  | { channel: 'robot-response'; responseUrl: string; toUser: string; body: RobotResponseBody }
  /** Replace the clicked button of an app template card (message/update_template_card) for these members. */
  | { channel: 'card-update'; toUser: string[]; responseCode: string; replaceName: string }
  /** The sandbox chat (no WeCom); conversation = a userid, or a group id. */
  | { channel: 'sandbox'; conversation: string; body: AppMessageBody | WebhookMessageBody };

export type OutboundChannel = OutboundMessage['channel'];
