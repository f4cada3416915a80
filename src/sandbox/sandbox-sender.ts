import type { OutboundMessage } from '../outbox/outbound-message';
import { SendError, type SendContext, type SendResult, type Sender } from '../outbox/sender';
import type { Clock } from '../shared/clock';
import type { SandboxKind } from './sandbox-entities';
import type { NewSandboxRow, SandboxStore } from './sandbox-store';

/** Response codes the sandbox gives card clicks; a card update that names one is the sandbox's to apply. */
export const SANDBOX_RESPONSE_CODE_PREFIX = 'sandbox-';

export function isSandboxResponseCode(code: string): boolean {
  return code.startsWith(SANDBOX_RESPONSE_CODE_PREFIX);
}

/** Whether a message belongs to the sandbox even when WeCom is configured beside it. */
export function isSandboxMessage(message: OutboundMessage): boolean {
  return message.channel === 'sandbox' || (message.channel === 'card-update' && isSandboxResponseCode(message.responseCode));
}

/**
 * The outbox's Sender for the sandbox: what the dispatcher would hand to WeCom lands in the sandbox conversations
 * instead — app messages in each recipient's single chat, group-bot webhook messages (with their @-mentions) and
 * the bot's group answers in the work group, card updates on the clicked cards. A re-sent outbox row (after a crash,
 * a lease that expired) adds nothing: every row is stored once per conversation.
 */
export class SandboxSender implements Sender {
  constructor(
    private readonly store: SandboxStore,
    private readonly clock: Clock,
  ) {}

  async send(message: OutboundMessage, context: SendContext): Promise<SendResult> {
    const now = this.clock.now();
    const row = (conversation: string, channel: string, body: unknown, kind: SandboxKind, taskId: string | null = null): NewSandboxRow => ({
      dedupeKey: `out:${context.outboxId}:${conversation}`,
      conversation,
      direction: 'out',
      kind,
      userId: null,
      body: JSON.stringify(body),
      taskId,
      responseCode: null,
      channel,
      outboxId: context.outboxId,
      createdAt: now,
    });
    switch (message.channel) {
      case 'app': {
        const { kind, taskId } = describeBody(message.body);
        await this.store.append(unique(message.toUser).map((user) => row(user, 'app', message.body, kind, taskId)));
        return {};
      }
      case 'webhook': {
        const { kind } = describeBody(message.body);
        await this.store.append([row(this.store.groupId, 'webhook', message.body, kind)]);
        return {};
      }
      case 'robot-response': {
        const { kind, taskId } = describeBody(message.body);
        await this.store.append([row(message.toUser, 'robot-response', message.body, kind, taskId)]);
        return {};
      }
      case 'sandbox': {
        const { kind, taskId } = describeBody(message.body);
        await this.store.append([row(message.conversation, 'sandbox', message.body, kind, taskId)]);
        return {};
      }
      case 'card-update': {
        const click = await this.store.clickByResponseCode(message.responseCode);
        if (!click) throw new SendError(`card update with a response code the sandbox did not give out (${message.responseCode.slice(0, 24)})`, false);
        const clicked = JSON.parse(click.body) as { messageId?: number };
        const body = { replaceName: message.replaceName, messageId: clicked.messageId ?? null };
        await this.store.append(unique(message.toUser).map((user) => row(user, 'card-update', body, 'card-update', click.taskId)));
        return {};
      }
      default:
        throw new SendError(`the sandbox cannot show a message of channel ${String((message as { channel?: unknown }).channel)}`, false);
    }
  }
}

/**
 * The sender when the sandbox is enabled beside configured WeCom channels: sandbox replies and updates of cards
 * clicked in the sandbox stay in the sandbox; everything else (messages to people, the group webhook) goes to WeCom.
 */
export class SandboxBesideWeComSender implements Sender {
  constructor(
    private readonly sandbox: Sender,
    private readonly wecom: Sender,
  ) {}

  send(message: OutboundMessage, context: SendContext): Promise<SendResult | void> {
    return isSandboxMessage(message) ? this.sandbox.send(message, context) : this.wecom.send(message, context);
  }
}

function describeBody(body: { msgtype: string } & Record<string, unknown>): { kind: SandboxKind; taskId: string | null } {
  switch (body.msgtype) {
    case 'template_card': {
      const card = (body.template_card ?? {}) as { task_id?: unknown };
      return { kind: 'card', taskId: typeof card.task_id === 'string' ? card.task_id.slice(0, 128) : null };
    }
    case 'markdown':
      return { kind: 'markdown', taskId: null };
    case 'file':
      return { kind: 'file', taskId: null };
    default:
      return { kind: 'text', taskId: null };
  }
}

function unique(users: string[]): string[] {
  return [...new Set(users.filter((u) => u !== ''))];
}
