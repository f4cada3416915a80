import type { Command } from './command';
import { mayUse } from './command';

/** 帮助: what this person can do here, according to their roles. */
export function helpCommand(all: () => Command[]): Command {
  return {
    names: ['帮助', 'help', '菜单', '?', '？'],
    summary: '查看可以办理的事项',
    audience: 'everyone',
    async run({ person, context }) {
      const roleLabels = [
        person.isAdmin ? '管理员' : null,
        person.isLiaison ? '联络员' : null,
        person.isLeader ? '分管负责人' : null,
      ].filter(Boolean);
      const lines = [
        `${person.name}您好，我是政务新媒体联络助手${roleLabels.length ? `（您的身份：${roleLabels.join('、')}）` : ''}。`,
        '可以发送以下指令：',
        ...all()
          .filter((command) => mayUse(command, person))
          .map((command) => `· ${command.names[0]}：${command.summary}`),
        '在工作群里请先 @ 我再发送指令。',
      ];
      context.reply(lines.join('\n'));
    },
  };
}
