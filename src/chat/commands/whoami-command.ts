import { maskMobile } from '../../shared/logger';
import type { Command } from './command';

const ROLE_LABEL = { liaison: '联络员', leader: '分管负责人' } as const;

/** 我是谁: what the roster says about me, so a liaison can check it is right. Phone numbers only in single chat. */
export const whoamiCommand: Command = {
  names: ['我是谁', '我的信息'],
  summary: '查看名册中登记的本人信息',
  audience: 'everyone',
  async run({ message, person, context }) {
    const lines = [`姓名：${person.name}`, `企业微信账号：${person.userId}`];
    for (const m of person.memberships) {
      lines.push(`单位：${m.unit.name}（${m.unit.code}）— ${ROLE_LABEL[m.role]}${m.unit.isOrganizer ? '，组织单位' : ''}`);
    }
    if (person.isAdmin && !person.memberships.some((m) => m.unit.isOrganizer)) lines.push('身份：政务公开办管理员');
    const mobile = person.contact?.mobile;
    if (mobile) {
      lines.push(message.chatType === 'single' ? `手机号：${mobile}` : `手机号：${maskMobile(mobile)}（完整号码请在单聊中查看）`);
    }
    lines.push('如有错误，请联系政务公开办更新名册。');
    context.reply(lines.join('\n'));
  },
};
