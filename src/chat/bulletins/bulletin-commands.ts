import { bulletinReceipts, latestBulletins, remindUnacknowledged, type BulletinChannels } from '../../domain/bulletins/bulletin-service';
import { formatInstantCn } from '../../shared/shanghai-time';
import type { Command } from '../commands/command';
import { bulletinLabel, latestText, notFoundText, parseBulletinNo, receiptsText } from './bulletin-wording';

const LATEST = 5;

/** 通报回执 [编号]: who has read a bulletin (by unit); without a number, the latest bulletins. */
export const bulletinReceiptsCommand: Command = {
  names: ['通报回执', '通报阅读情况'],
  summary: '查看通报的阅读情况和未阅人员（通报回执 编号）',
  audience: 'admin',
  async run({ args, context }) {
    if (!args) {
      context.reply(latestText(await latestBulletins(context.manager, LATEST)));
      return;
    }
    const bulletinId = parseBulletinNo(args);
    if (bulletinId === null) {
      context.reply('请在“通报回执”后写上通报编号，例如“通报回执 3”；只发送“通报回执”可查看最近的通报。');
      return;
    }
    const receipts = await bulletinReceipts(context.manager, bulletinId);
    context.reply(receipts ? receiptsText(receipts) : notFoundText(bulletinId));
  },
};

/** 催阅 <编号>: one reminder card to each addressed person who has not acknowledged; at most one round a day. */
export function remindCommand(channels: Pick<BulletinChannels, 'outboxMaxAttempts'>): Command {
  return {
    names: ['催阅', '催办通报'],
    summary: '提醒尚未阅读通报的联络员（催阅 编号）',
    audience: 'admin',
    async run({ args, person, context }) {
      const bulletinId = args ? parseBulletinNo(args) : null;
      if (bulletinId === null) {
        context.reply('请在“催阅”后写上通报编号，例如“催阅 3”。发送“通报回执”查看最近的通报及编号。');
        return;
      }
      const result = await remindUnacknowledged(context.manager, { bulletinId, now: context.now, remindedBy: person.userId }, channels);
      switch (result.status) {
        case 'not-found':
          context.reply(notFoundText(bulletinId));
          return;
        case 'all-acknowledged':
          context.reply(`通报${bulletinLabel(result.bulletin)}已全部阅读，无需催阅。`);
          return;
        case 'already-reminded':
          context.reply(
            `今天${result.at ? `${formatInstantCn(result.at).slice(-5)}` : ''}已催阅过通报${bulletinLabel(result.bulletin)}（第${result.round}次），` +
              `尚未阅读的${result.pending.length}人已收到提醒，今天不再重复发送。发送“通报回执 ${bulletinId}”查看阅读情况。`,
          );
          return;
        case 'reminded':
          context.reply(
            `已向尚未阅读通报${bulletinLabel(result.bulletin)}的${result.reminded.length}名联络员发送提醒（第${result.round}次）：` +
              `${result.reminded.map((r) => r.name).join('、')}。`,
          );
          return;
      }
    },
  };
}
