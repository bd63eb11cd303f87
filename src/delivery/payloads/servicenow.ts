import type { Notice } from '../../domain/notice.js';

// ServiceNow Table API record; `correlation_id` carries the dedup key so a record can be found again.

export function servicenowPayload(notice: Notice): Record<string, unknown> {
  return {
    short_description: notice.title.slice(0, 160),
    description: [notice.message, ...notice.details].join('\n'),
    category: 'software',
    subcategory: 'endpoint_runtime',
    impact: notice.level === 'critical' ? '1' : notice.level === 'warning' ? '2' : '3',
    urgency: notice.level === 'critical' ? '1' : '2',
    correlation_id: notice.dedupKey,
    correlation_display: 'CAVRA recurrence automation'
  };
}
