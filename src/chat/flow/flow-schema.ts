/** JSON Schema of a flow file (bot-flows/<flow-id>.json). Semantic checks live in flow-checks.ts. */

const ID = '^[a-z][a-z0-9-]{0,63}$';

const condition = {
  $id: 'condition',
  oneOf: [
    {
      type: 'object',
      additionalProperties: false,
      required: ['answer'],
      properties: {
        answer: { type: 'string', pattern: ID },
        equals: { type: 'string' },
        in: { type: 'array', items: { type: 'string' }, minItems: 1 },
        notIn: { type: 'array', items: { type: 'string' }, minItems: 1 },
        includes: { type: 'string' },
        answered: { type: 'boolean' },
      },
    },
    {
      type: 'object',
      additionalProperties: false,
      required: ['fact', 'present'],
      properties: { fact: { type: 'string', pattern: ID }, present: { type: 'boolean' } },
    },
    {
      type: 'object',
      additionalProperties: false,
      required: ['all'],
      properties: { all: { type: 'array', items: { $ref: 'condition' }, minItems: 1 } },
    },
    {
      type: 'object',
      additionalProperties: false,
      required: ['any'],
      properties: { any: { type: 'array', items: { $ref: 'condition' }, minItems: 1 } },
    },
    {
      type: 'object',
      additionalProperties: false,
      required: ['not'],
      properties: { not: { $ref: 'condition' } },
    },
  ],
};

const option = {
  type: 'object',
  additionalProperties: false,
  required: ['value', 'label'],
  properties: {
    value: { type: 'string', minLength: 1, maxLength: 64 },
    label: { type: 'string', minLength: 1, maxLength: 64 },
    synonyms: { type: 'array', items: { type: 'string', minLength: 1 } },
  },
};

const dateBound = { type: 'string', pattern: '^(today|\\d{4}-\\d{2}-\\d{2})$' };

const step = {
  type: 'object',
  additionalProperties: false,
  required: ['id', 'label', 'question', 'type'],
  properties: {
    id: { type: 'string', pattern: ID },
    label: { type: 'string', minLength: 1, maxLength: 32 },
    question: { type: 'string', minLength: 1, maxLength: 1000 },
    help: { type: 'string', minLength: 1, maxLength: 1000 },
    type: {
      enum: ['text', 'choice', 'multi-choice', 'date', 'phone', 'number', 'account-of-mine', 'unit-of-mine', 'confirm'],
    },
    optional: { type: 'boolean' },
    personal: { type: 'boolean' },
    maxAttempts: { type: 'integer', minimum: 1, maximum: 10 },
    when: { $ref: 'condition' },
    next: {
      oneOf: [
        { type: 'string', minLength: 1 },
        {
          type: 'array',
          minItems: 1,
          items: {
            type: 'object',
            additionalProperties: false,
            required: ['goto'],
            properties: { when: { $ref: 'condition' }, goto: { type: 'string', minLength: 1 } },
          },
        },
      ],
    },
    minLength: { type: 'integer', minimum: 0, maximum: 5000 },
    maxLength: { type: 'integer', minimum: 1, maximum: 5000 },
    validator: { type: 'string', minLength: 1 },
    schema: { type: 'object' },
    schemaMessage: { type: 'string', minLength: 1 },
    options: { type: 'array', items: option, minItems: 1, maxItems: 50 },
    optionsFrom: { type: 'string', minLength: 1 },
    minChoices: { type: 'integer', minimum: 0 },
    maxChoices: { type: 'integer', minimum: 1 },
    notAfter: dateBound,
    notBefore: dateBound,
    phoneKind: { enum: ['mobile', 'landline', 'any'] },
    min: { type: 'number' },
    max: { type: 'number' },
    integer: { type: 'boolean' },
    accountStatus: { type: 'array', items: { enum: ['active', 'suspended', 'cancelled'] }, minItems: 1 },
  },
  allOf: [
    {
      if: { properties: { type: { enum: ['choice', 'multi-choice'] } } },
      then: { oneOf: [{ required: ['options'] }, { required: ['optionsFrom'] }] },
    },
  ],
};

export const flowSchema = {
  $id: 'flow',
  type: 'object',
  additionalProperties: false,
  required: ['id', 'title', 'summary', 'triggers', 'roles', 'steps', 'submit'],
  properties: {
    $schema: { type: 'string' },
    $comment: { type: 'string' },
    id: { type: 'string', pattern: ID },
    title: { type: 'string', minLength: 1, maxLength: 32 },
    summary: { type: 'string', minLength: 1, maxLength: 100 },
    triggers: { type: 'array', items: { type: 'string', minLength: 1, maxLength: 32 } },
    roles: { type: 'array', items: { enum: ['liaison', 'admin', 'everyone'] }, minItems: 1 },
    maxAttempts: { type: 'integer', minimum: 1, maximum: 10 },
    order: { type: 'integer', minimum: 0, maximum: 1000 },
    intro: { type: 'string', minLength: 1, maxLength: 1000 },
    steps: { type: 'array', items: step, minItems: 1, maxItems: 100 },
    submit: {
      type: 'object',
      additionalProperties: false,
      required: ['action'],
      properties: { action: { type: 'string', minLength: 1 }, confirm: { type: 'boolean' } },
    },
  },
};

export const conditionSchema = condition;
