import { SETTINGS, type SettingKind, type SettingSpec } from './settings-table.js';

type Schema = Record<string, unknown>;

// DESIGN: a duration is whole seconds or a count with a unit (the jose `parseDuration` grammar).
const DURATION_PATTERN = '^\\d+(s|m|h|d|w)$';

function kindSchema(kind: SettingKind): Schema {
  switch (kind.type) {
    case 'string':
      return kind.pattern !== undefined
        ? { type: 'string', minLength: 1, pattern: kind.pattern }
        : { type: 'string', minLength: 1 };
    case 'integer':
      return { type: 'integer', minimum: kind.minimum, maximum: kind.maximum };
    case 'boolean':
      return { type: 'boolean' };
    case 'enum':
      return { type: 'string', enum: [...kind.values] };
    case 'duration':
      return {
        oneOf: [
          { type: 'integer', minimum: 0 },
          { type: 'string', pattern: DURATION_PATTERN },
        ],
      };
    case 'list':
      return { type: 'array', items: { type: 'string', minLength: 1 }, uniqueItems: true };
  }
}

function leafSchema(spec: SettingSpec): Schema {
  return { description: spec.description, ...kindSchema(spec.kind) };
}

/**
 * The JSON Schema (draft-07) of `tessera.config.json`, built from the settings table:
 * unknown keys are refused at every level (`additionalProperties: false`).
 *
 * @example
 * writeFileSync('tessera.schema.json', JSON.stringify(settingsJsonSchema(), null, 2));
 */
export function settingsJsonSchema(): Schema {
  const root: Schema = {
    $schema: 'http://json-schema.org/draft-07/schema#',
    $id: 'https://tessera.dev/schemas/tessera.config.json',
    title: 'tessera serve configuration',
    type: 'object',
    additionalProperties: false,
    properties: { $schema: { type: 'string' } } as Record<string, Schema>,
  };
  for (const spec of SETTINGS) {
    const parts = spec.path.split('.');
    let node = root;
    for (const part of parts.slice(0, -1)) {
      const props = node['properties'] as Record<string, Schema>;
      props[part] ??= { type: 'object', additionalProperties: false, properties: {} };
      node = props[part];
    }
    (node['properties'] as Record<string, Schema>)[parts[parts.length - 1]!] = leafSchema(spec);
  }
  return root;
}
