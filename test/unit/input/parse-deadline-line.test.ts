import { parseDeadlineLine, type DeadlineLine } from '../../../src/chat/input/parse-deadline-line';

const TODAY = '2026-03-02';
const EXAMPLE = '截止 3月17日 15:00 报送政务新媒体检查结果信息表 全部单位';

describe('parseDeadlineLine', () => {
  it.each<[string, DeadlineLine]>([
    // the examples of the command
    [
      '3月17日 15:00 报送政务新媒体检查结果信息表 全部单位',
      { dueDate: '2026-03-17', dueTime: '15:00', title: '报送政务新媒体检查结果信息表', audience: { kind: 'all' } },
    ],
    [
      '3月17日 报送整改情况 区发改局、区教体局',
      { dueDate: '2026-03-17', title: '报送整改情况', audience: { kind: 'units', names: ['区发改局', '区教体局'] } },
    ],
    [
      '2026年7月31日下午3:00 报送排查表 有问题的单位',
      { dueDate: '2026-07-31', dueTime: '15:00', title: '报送排查表', audience: { kind: 'openFindings' } },
    ],
    ['3月17日前 报送自查表', { dueDate: '2026-03-17', title: '报送自查表' }],
    // full-width input
    ['３月１７日　１５：００ 报送自查表', { dueDate: '2026-03-17', dueTime: '15:00', title: '报送自查表' }],
    ['３月１７日　报送自查表　全部单位', { dueDate: '2026-03-17', title: '报送自查表', audience: { kind: 'all' } }],
    // date forms, with 前/之前/以前 and a weekday
    ['2026年3月17日 报送自查表', { dueDate: '2026-03-17', title: '报送自查表' }],
    ['2026-03-17 报送自查表', { dueDate: '2026-03-17', title: '报送自查表' }],
    ['3.17 报送自查表', { dueDate: '2026-03-17', title: '报送自查表' }],
    ['3/17 报送自查表', { dueDate: '2026-03-17', title: '报送自查表' }],
    ['20260317 报送自查表', { dueDate: '2026-03-17', title: '报送自查表' }],
    ['3月17号 报送自查表', { dueDate: '2026-03-17', title: '报送自查表' }],
    ['3月17日之前 报送自查表', { dueDate: '2026-03-17', title: '报送自查表' }],
    ['3月17日以前 报送自查表', { dueDate: '2026-03-17', title: '报送自查表' }],
    ['3月17日（周二） 报送自查表', { dueDate: '2026-03-17', title: '报送自查表' }],
    ['今天 报送自查表', { dueDate: '2026-03-02', title: '报送自查表' }],
    ['明天 报送自查表', { dueDate: '2026-03-03', title: '报送自查表' }],
    // the time, glued or separate, in the forms parseTime reads
    ['3月17日15:00 报送自查表', { dueDate: '2026-03-17', dueTime: '15:00', title: '报送自查表' }],
    ['3月17日15:00前 报送自查表', { dueDate: '2026-03-17', dueTime: '15:00', title: '报送自查表' }],
    ['3月17日前15:00 报送自查表', { dueDate: '2026-03-17', dueTime: '15:00', title: '报送自查表' }],
    ['3月17日 15:00前 报送自查表', { dueDate: '2026-03-17', dueTime: '15:00', title: '报送自查表' }],
    ['3月17日 15点之前 报送自查表', { dueDate: '2026-03-17', dueTime: '15:00', title: '报送自查表' }],
    ['3月17日 下午三点半 报送自查表', { dueDate: '2026-03-17', dueTime: '15:30', title: '报送自查表' }],
    ['3月17日 上午9点 报送自查表', { dueDate: '2026-03-17', dueTime: '09:00', title: '报送自查表' }],
    ['3月17日 9:30 报送自查表', { dueDate: '2026-03-17', dueTime: '09:30', title: '报送自查表' }],
    ['3.17 15:00 报送自查表', { dueDate: '2026-03-17', dueTime: '15:00', title: '报送自查表' }],
    ['3.17下午3点 报送自查表', { dueDate: '2026-03-17', dueTime: '15:00', title: '报送自查表' }],
    ['明天下午3点 报送自查表', { dueDate: '2026-03-03', dueTime: '15:00', title: '报送自查表' }],
    ['2026年7月31日 晚上8点 报送排查表', { dueDate: '2026-07-31', dueTime: '20:00', title: '报送排查表' }],
    // the title glued to the date or the time, and separators
    ['3月17日前报送自查表', { dueDate: '2026-03-17', title: '报送自查表' }],
    ['3月17日下午3点前报送自查表', { dueDate: '2026-03-17', dueTime: '15:00', title: '报送自查表' }],
    ['3月17日 15:00报送自查表', { dueDate: '2026-03-17', dueTime: '15:00', title: '报送自查表' }],
    ['3月17日，15:00，报送自查表', { dueDate: '2026-03-17', dueTime: '15:00', title: '报送自查表' }],
    ['3月17日：报送自查表。', { dueDate: '2026-03-17', title: '报送自查表' }],
    // a title of several words; digits in the title are not a time
    ['3月17日 报送 2025年度 自查表', { dueDate: '2026-03-17', title: '报送 2025年度 自查表' }],
    ['3月17日 12个单位报送自查表', { dueDate: '2026-03-17', title: '12个单位报送自查表' }],
    // the audience words
    ['3月17日 报送自查表 所有单位', { dueDate: '2026-03-17', title: '报送自查表', audience: { kind: 'all' } }],
    ['3月17日 报送自查表 全体单位', { dueDate: '2026-03-17', title: '报送自查表', audience: { kind: 'all' } }],
    ['3月17日 报送自查表 各单位', { dueDate: '2026-03-17', title: '报送自查表', audience: { kind: 'all' } }],
    ['3月17日 报送自查表，全部单位', { dueDate: '2026-03-17', title: '报送自查表', audience: { kind: 'all' } }],
    ['3月17日 报送整改情况 有问题单位', { dueDate: '2026-03-17', title: '报送整改情况', audience: { kind: 'openFindings' } }],
    ['3月17日 报送整改情况 待整改单位', { dueDate: '2026-03-17', title: '报送整改情况', audience: { kind: 'openFindings' } }],
    ['3月17日 报送整改情况 未整改单位', { dueDate: '2026-03-17', title: '报送整改情况', audience: { kind: 'openFindings' } }],
    ['3月17日 报送整改情况 不合格单位', { dueDate: '2026-03-17', title: '报送整改情况', audience: { kind: 'openFindings' } }],
    // unit names: separated by 、，,；; or spaces; every one must end like a unit
    [
      '3月17日 报送 区发改局，区教体局;区卫健委',
      { dueDate: '2026-03-17', title: '报送', audience: { kind: 'units', names: ['区发改局', '区教体局', '区卫健委'] } },
    ],
    [
      '3月17日 报送整改情况 区发改局 区教体局 ， 城关街道',
      { dueDate: '2026-03-17', title: '报送整改情况', audience: { kind: 'units', names: ['区发改局', '区教体局', '城关街道'] } },
    ],
    [
      '3月17日 报送 区政府办、区融媒体中心、城关镇、区人民法院、区档案馆、团区委、区公安分局交警大队',
      {
        dueDate: '2026-03-17',
        title: '报送',
        audience: {
          kind: 'units',
          names: ['区政府办', '区融媒体中心', '城关镇', '区人民法院', '区档案馆', '团区委', '区公安分局交警大队'],
        },
      },
    ],
    ['3月17日 报送 区发改局、区发改局', { dueDate: '2026-03-17', title: '报送', audience: { kind: 'units', names: ['区发改局'] } }],
    // conservative: not every item looks like a unit, or nothing would be left for the title
    ['3月17日 报送 区发改局、张三', { dueDate: '2026-03-17', title: '报送 区发改局、张三' }],
    ['3月17日 报送 区发改局 张三', { dueDate: '2026-03-17', title: '报送 区发改局 张三' }],
    ['3月17日 报送,区发改局', { dueDate: '2026-03-17', title: '报送,区发改局' }],
    ['3月17日 报送办公室', { dueDate: '2026-03-17', title: '报送办公室' }],
    ['3月17日 区发改局', { dueDate: '2026-03-17', title: '区发改局' }],
    ['3月17日 全部单位 报送自查表', { dueDate: '2026-03-17', title: '全部单位 报送自查表' }],
  ])('reads %j', (text, expected) => {
    const r = parseDeadlineLine(text, TODAY);
    expect(r).toEqual({ ok: true, value: expected, display: expect.any(String) });
  });

  it.each([
    [
      '3月17日 15:00 报送政务新媒体检查结果信息表 全部单位',
      '2026年3月17日 15:00 截止：报送政务新媒体检查结果信息表；对象：全部单位',
    ],
    ['3月17日 报送整改情况 区发改局、区教体局', '2026年3月17日 截止：报送整改情况；对象：区发改局、区教体局'],
    ['3月17日 报送整改情况 有问题的单位', '2026年3月17日 截止：报送整改情况；对象：有问题的单位'],
    ['3月17日前 报送自查表', '2026年3月17日 截止：报送自查表'],
  ])('displays %j as %j', (text, display) => {
    expect(parseDeadlineLine(text, TODAY)).toMatchObject({ ok: true, display });
  });

  it('leaves out dueTime and audience when not given (no undefined keys)', () => {
    const r = parseDeadlineLine('3月17日 报送自查表', TODAY);
    expect(r.ok && Object.keys(r.value)).toEqual(['dueDate', 'title']);
  });

  describe('year rollover of a date without a year', () => {
    it.each([
      // a month-day already past this year is next year's
      ['2026-05-10', '3月17日 报送自查表', '2027-03-17'],
      ['2026-05-10', '3.17 报送自查表', '2027-03-17'],
      ['2026-12-20', '1月5日 报送自查表', '2027-01-05'],
      ['2026-12-20', '1月5日下午3点 报送自查表', '2027-01-05'],
      // today itself and later dates stay in this year
      ['2026-03-17', '3月17日 报送自查表', '2026-03-17'],
      ['2026-03-16', '3月17日 报送自查表', '2026-03-17'],
      // 29 February still ahead in a leap year
      ['2028-01-10', '2月29日 报送自查表', '2028-02-29'],
    ])('on %s reads %j as %s', (today, text, dueDate) => {
      expect(parseDeadlineLine(text, today)).toMatchObject({ ok: true, value: { dueDate } });
    });

    it.each([
      // a date with a year is taken as written
      ['2026-05-10', '2026年3月17日 报送自查表', '日期不能早于今天（2026年5月10日）'],
      ['2026-05-10', '2026-03-17 报送自查表', '日期不能早于今天（2026年5月10日）'],
      ['2026-05-10', '26年3月17日 报送自查表', '日期不能早于今天（2026年5月10日）'],
      ['2026-05-10', '20260317 报送自查表', '日期不能早于今天（2026年5月10日）'],
      // relative days are not rolled over
      ['2026-05-10', '昨天 报送自查表', '日期不能早于今天（2026年5月10日）'],
      // 2月29日 past in a leap year: next year has no 29 February
      ['2028-03-01', '2月29日 报送自查表', '日期不能早于今天（2028年3月1日）'],
      // 2月29日 in a common year is not a date (parseDate's reason, for the year of today)
      ['2027-03-01', '2月29日 报送自查表', '“2月29日”不是有效日期：2027年2月只有28天'],
    ])('on %s refuses %j: %s', (today, text, problem) => {
      expect(parseDeadlineLine(text, today)).toEqual({ ok: false, problem, example: EXAMPLE });
    });
  });

  it.each([
    ['', '请写明截止日期和截止事项'],
    ['   ', '请写明截止日期和截止事项'],
    ['报送自查表 3月17日', '“截止”后面应先写日期，未能识别“报送自查表”中的日期'],
    ['下周一 报送自查表', '“截止”后面应先写日期，未能识别“下周一”中的日期'],
    ['3.1715:00 报送自查表', '“截止”后面应先写日期，未能识别“3.1715:00”中的日期'],
    ['2月30日 报送自查表', '“2月30日”不是有效日期：2026年2月只有28天'],
    ['2月30日15:00 报送自查表', '“2月30日”不是有效日期：2026年2月只有28天'],
    ['13月1日 报送自查表', '“13月1日”不是有效日期：月份应为1到12'],
    ['3月 报送自查表', '“3月”缺少具体哪一天，请写到日'],
    ['2025年12月31日 报送自查表', '日期不能早于今天（2026年3月2日）'],
    ['3月17日 25:00 报送自查表', '“25:00”不是有效时间：小时应为0到23'],
    ['3月17日 15:60 报送自查表', '“15:60”不是有效时间：分钟应为0到59'],
    ['3月17日下午13点 报送自查表', '“下午13点”不是有效时间：下午应写1到12点（或直接写成24小时制，如15:00）'],
    ['3月17日 上午13点前报送自查表', '“上午13点”不是有效时间：上午应写0到12点（或直接写成24小时制，如15:00）'],
    ['3月17日', '请写明截止事项（要报送或完成什么）'],
    ['3月17日前', '请写明截止事项（要报送或完成什么）'],
    ['3月17日 15:00', '请写明截止事项（要报送或完成什么）'],
    ['3月17日 15:00 全部单位', '请写明截止事项（要报送或完成什么）'],
    ['3月17日 有问题的单位', '请写明截止事项（要报送或完成什么）'],
    ['3月17日 ，', '请写明截止事项（要报送或完成什么）'],
  ])('refuses %j: %s', (text, problem) => {
    expect(parseDeadlineLine(text, TODAY)).toEqual({ ok: false, problem, example: EXAMPLE });
  });

  it('refuses a malformed today (a programming error)', () => {
    expect(() => parseDeadlineLine('3月17日 报送自查表', '2026/03/02')).toThrow(RangeError);
  });
});
