import { findPerson, listAdmins, type Person } from '../domain/roster/roster-service';
import type { Command, CommandAudience } from './commands/command';
import { mayUse } from './commands/command';
import { helpCommand } from './commands/help-command';
import { whoamiCommand } from './commands/whoami-command';
import type { InboundMessage } from './inbound-message';
import type { HandlerContext, MessageHandler } from './message-handler';
import { directMessage } from './reply-address';
import { normalizeText, splitCommand } from './text-normalize';
import type { FlowEngine } from './flow/flow-engine';
import type { LoadedFlow } from './flow/flow-definition';
import type { CardEventInput } from './registry/review-card-handler';

export interface ChatRouterOptions {
  /** Whom an unknown user should contact (OFFICE_CONTACT). */
  officeContact: string;
  /** Commands added by later features; 帮助 and 我是谁 are always there. */
  commands?: Command[];
  /** The flow engine: a person in a flow, or a trigger word, goes there before any command. */
  engine?: FlowEngine;
  /** Template card button clicks, tried in order until one handles the event. */
  cardHandlers?: Array<(input: CardEventInput) => Promise<boolean>>;
  /** A file the person sent (msgtype file): true when handled. */
  fileHandler?: (input: { message: InboundMessage; person: Person; context: HandlerContext }) => Promise<boolean>;
}

/** Events that need no answer from the bot (yet). */
const SILENT_EVENTS = new Set(['subscribe', 'unsubscribe', 'enter_agent', 'enter_chat', 'LOCATION', 'view', 'feedback_event']);

/**
 * Who is this (roster, read on every message), and what do they want: a command, or help. Unknown WeCom users
 * get a polite answer naming whom to contact, and the admins are told once per user.
 */
export class ChatRouter implements MessageHandler {
  private readonly commands: Command[];

  constructor(private readonly options: ChatRouterOptions) {
    this.commands = [];
    const flowEntries = (options.engine?.flows ?? [])
      .filter((f) => f.definition.triggers.length > 0)
      .sort((a, b) => (a.definition.order ?? 100) - (b.definition.order ?? 100) || a.definition.title.localeCompare(b.definition.title, 'zh'))
      .map(flowCommand);
    this.commands.push(helpCommand(() => this.commands), whoamiCommand, ...flowEntries, ...(options.commands ?? []));
  }

  async handle(message: InboundMessage, context: HandlerContext): Promise<void> {
    if (message.msgType === 'event') {
      if (!message.event || SILENT_EVENTS.has(message.event.type)) return;
    }
    const person = await findPerson(context.manager, message.userId);
    if (!person) {
      await this.unknownUser(message, context);
      return;
    }
    if (message.msgType === 'event') {
      if (message.event?.type === 'template_card_event') {
        for (const handler of this.options.cardHandlers ?? []) if (await handler({ message, person, context })) return;
      }
      return;
    }
    if (message.msgType === 'file' && this.options.fileHandler && (await this.options.fileHandler({ message, person, context }))) return;
    const text = message.text ? normalizeText(message.text) : '';
    if (!text) {
      context.reply('目前我只能处理文字消息。发送“帮助”查看可以办理的事项。');
      return;
    }
    const raw = (message.text ?? '').replace(/[\u3000\s]+/g, ' ').trim();
    if (this.options.engine && (await this.options.engine.handle({ message, person, text, raw, context }))) return;
    const { head, args } = splitCommand(text);
    const command = this.findCommand(head);
    if (!command) {
      context.reply(`暂时无法理解“${clip(text, 30)}”。发送“帮助”查看可以办理的事项。`);
      return;
    }
    if (!mayUse(command, person)) {
      context.reply(`“${command.names[0]}”仅限${command.audience === 'admin' ? '政务公开办管理员' : '单位联络员'}使用。发送“帮助”查看您可以办理的事项。`);
      return;
    }
    await command.run({ message, person, args, context });
  }

  private findCommand(head: string): Command | undefined {
    const wanted = head.toLowerCase();
    return this.commands.find((command) => command.names.some((name) => name.toLowerCase() === wanted));
  }

  private async unknownUser(message: InboundMessage, context: HandlerContext): Promise<void> {
    context.reply(
      `您好！您的企业微信账号（${message.userId}）还不在政务新媒体联络员名册中，暂时无法办理备案等事项。` +
        `如需开通，请联系${this.options.officeContact}，由管理员将您加入名册；已将您的情况告知管理员。`,
    );
    const admins = await listAdmins(context.manager);
    if (admins.length === 0) return;
    const place = message.chatType === 'group' ? '在工作群中 @ 了' : '单聊了';
    context.send({
      dedupeKey: `unknown-user:${message.userId}`,
      origin: 'unknown-user',
      message: directMessage(
        admins.map((a) => a.userId),
        `【名册外人员】企业微信账号 ${message.userId} ${place}联络助手，但不在联络员名册中。` +
          `如其为新任联络员，请更新名册（npm run cli -- import-units <文件>）；如为政务公开办工作人员，请授权（npm run cli -- grant-admin <账号> <姓名>）。`,
      ),
    });
  }
}

/** A flow listed in 帮助 like a command; its trigger words are caught by the engine before commands are looked at. */
function flowCommand(flow: LoadedFlow): Command {
  const roles = flow.definition.roles;
  const audience: CommandAudience = roles.includes('everyone') ? 'everyone' : roles.includes('liaison') ? 'liaison' : 'admin';
  return {
    names: flow.definition.triggers,
    summary: flow.definition.summary,
    audience,
    async run({ context }) {
      context.reply(`请发送“${flow.definition.triggers[0]}”开始办理。`);
    },
  };
}

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

export type { Person };
