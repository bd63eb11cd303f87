import type { Notice } from '../../domain/notice.js';

// Teams: an Adaptive Card 1.2 in a message (the Workflows webhook), or the legacy MessageCard.

const COLOURS = { critical: 'DC2626', warning: 'D97706', healthy: '2E7D32' } as const;
const CARD_COLOURS = { critical: 'attention', warning: 'warning', healthy: 'good' } as const;
const MAX_FACTS = 20;

export function teamsPayload(notice: Notice, format: 'adaptive-card' | 'message-card'): Record<string, unknown> {
  const facts = notice.facts.slice(0, MAX_FACTS).map((f) => ({ title: f.name, value: f.value }));
  if (format === 'message-card') {
    return {
      '@type': 'MessageCard',
      '@context': 'https://schema.org/extensions',
      summary: notice.title,
      themeColor: COLOURS[notice.level],
      title: notice.title,
      text: notice.message,
      sections: [{ facts: facts.map((f) => ({ name: f.title, value: f.value })) }]
    };
  }
  return {
    type: 'message',
    attachments: [
      {
        contentType: 'application/vnd.microsoft.card.adaptive',
        contentUrl: null,
        content: {
          $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
          type: 'AdaptiveCard',
          version: '1.2',
          body: [
            { type: 'TextBlock', text: notice.title, weight: 'Bolder', size: 'Medium', wrap: true, color: CARD_COLOURS[notice.level] },
            { type: 'TextBlock', text: notice.message, wrap: true },
            ...(facts.length > 0 ? [{ type: 'FactSet', facts }] : [])
          ]
        }
      }
    ]
  };
}
