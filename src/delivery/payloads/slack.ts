import type { Notice } from '../../domain/notice.js';

// Slack incoming webhook: Block Kit plus `text`, which mobile notifications still read. Within
// Slack's limits: header 150 characters, section 3000, ten fields of 2000, fifty blocks.

const clip = (text: string, max: number) => (text.length <= max ? text : `${text.slice(0, max - 1)}…`);

export function slackPayload(notice: Notice): Record<string, unknown> {
  const blocks: Record<string, unknown>[] = [
    { type: 'header', text: { type: 'plain_text', text: clip(notice.title, 150), emoji: true } },
    { type: 'section', text: { type: 'mrkdwn', text: clip(notice.message, 3000) } }
  ];
  const facts = notice.facts.slice(0, 10);
  if (facts.length > 0) {
    blocks.push({ type: 'section', fields: facts.map((f) => ({ type: 'mrkdwn', text: clip(`*${f.name}*\n${f.value}`, 2000) })) });
  }
  const more = notice.facts.length - facts.length;
  blocks.push({
    type: 'context',
    elements: [{ type: 'mrkdwn', text: `${more > 0 ? `${more} more not shown. ` : ''}Generated from public CAVRA recurrence automation evidence.` }]
  });
  return { text: clip(`${notice.title}\n${notice.message}`, 3000), blocks };
}
