/**
 * The 开设备案 conversation of 钟雨桐, liaison of 区发改局 in the demo district (one unit: the unit step is skipped):
 * each answer with words the bot's next question must contain. Shared by the sandbox channel and browser tests.
 */
export const OPEN_FILING: Array<[string, string]> = [
  ['开设备案', '新开设的是哪个平台的账号'],
  ['快手', '账号名称是什么'],
  ['东岚发改快讯', '账号ID或访问地址'],
  ['dlfgkx2026', '哪一天开设'],
  ['昨天', '就是东岚区发展和改革局吗'],
  ['是', '主要功能'],
  ['发布发改政务信息', '基本功能'],
  ['跳过', '官方认证'],
  ['已认证', '运维模式'],
  ['自营', '具体负责人'],
  ['钟雨桐', '手机号'],
  ['17700000218', '分管负责人'],
  ['崔建民', '主要负责人'],
  ['跳过', '请核对「开设备案」的内容'],
  ['确认', '已提交开设备案'],
];
