// The five chat and ITSM providers this family routes to; other names are not ours to deliver to.
export const PROVIDERS = ['webhook', 'slack', 'teams', 'jira', 'servicenow'] as const;
export type Provider = (typeof PROVIDERS)[number];

/** The seed's normalisation: trimmed, lower case, `-` to `_`. */
export function normaliseProvider(name: string): string {
  return name.trim().toLowerCase().replace(/-/g, '_');
}
