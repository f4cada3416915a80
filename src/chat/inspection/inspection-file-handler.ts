import { InspectionImportError, readInspectionFile, type InspectionFile } from '../../domain/inspection/inspection-import';
import { InspectionUploadEntity } from '../../domain/inspection/inspection-upload-entity';
import type { Person } from '../../domain/roster/roster-service';
import type { FlowEngine } from '../flow/flow-engine';
import type { InboundMessage } from '../inbound-message';
import type { HandlerContext } from '../message-handler';
import { FileFetchError, type FileFetcher } from './file-fetcher';

export interface FileMessageInput {
  message: InboundMessage;
  person: Person;
  context: HandlerContext;
}

const MAX_LISTED_PROBLEMS = 15;

/**
 * A file sent to the bot: for an admin in the robot's single chat, an inspection result table. The file is
 * downloaded (and decrypted) at once, while its link is valid, and checked; a good table is kept and the
 * import-inspection flow asks the round, previews and imports. Others are told politely what to do instead.
 */
export function inspectionFileHandler(deps: { fetcher?: FileFetcher; engine: () => FlowEngine }): (input: FileMessageInput) => Promise<boolean> {
  return async ({ message, person, context }) => {
    if (message.msgType !== 'file') return false;
    if (!person.isAdmin) {
      context.reply('您好，发送文件导入检查结果仅限政务公开办管理员使用。单位报送的材料请按通知要求报送；整改情况可直接用文字回复我。');
      return true;
    }
    if (message.chatType === 'group') {
      context.reply('请在与我的单聊中发送检查结果表，不要发在群里。');
      return true;
    }
    if (!message.file || !deps.fetcher) {
      context.reply(
        '这个会话暂时收不到文件。请在企业微信中打开与“智能机器人”的单聊发送检查结果表（Excel 或 CSV），' +
          '或由管理员在服务器上导入：npm run cli -- import-inspection <文件> --round <轮次>。',
      );
      return true;
    }
    let bytes: Buffer;
    try {
      bytes = await deps.fetcher.fetch(message.file);
    } catch (error) {
      if (!(error instanceof FileFetchError)) throw error;
      context.reply(
        error.code === 'expired'
          ? '文件的下载链接已过期（企业微信的文件链接只有5分钟有效），没能收到这份文件。请重新发送一次。'
          : '文件下载失败，没能收到这份文件。请稍后重新发送；多次失败请联系系统维护人员。',
      );
      return true;
    }
    const fileName = message.file.fileName ?? (bytes[0] === 0x50 && bytes[1] === 0x4b ? '检查结果表.xlsx' : '检查结果表.csv');
    let file: InspectionFile;
    try {
      file = await readInspectionFile(bytes, fileName);
    } catch (error) {
      if (!(error instanceof InspectionImportError)) throw error;
      const listed = error.problems.slice(0, MAX_LISTED_PROBLEMS).map((p) => `- ${p}`);
      if (error.problems.length > MAX_LISTED_PROBLEMS) listed.push(`- ……另有 ${error.problems.length - MAX_LISTED_PROBLEMS} 处`);
      context.reply([`收到的文件无法导入，发现 ${error.problems.length} 处问题，请修改后重新发送（未保存任何内容）：`, ...listed].join('\n'));
      return true;
    }
    const inserted = await context.manager.getRepository(InspectionUploadEntity).insert({
      userId: person.userId.slice(0, 128),
      fileName: fileName.slice(0, 191),
      fileSha256: file.fileSha256,
      content: bytes.toString('base64'),
      createdAt: context.now,
      consumedAt: null,
    });
    context.reply(`已收到检查结果表（${file.table.rows.length} 行${file.table.shape === 'failures' ? '，只列不合格账号的名单：每一行都按不合格导入' : ''}）。`);
    await deps
      .engine()
      .start('import-inspection', { message, person, text: '', context }, { uploadId: Number(inserted.identifiers[0].id) }, undefined);
    return true;
  };
}
