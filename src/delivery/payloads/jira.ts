import type { Notice } from '../../domain/notice.js';

// Jira create-issue body: v3 takes an Atlassian Document Format description, v2 plain text. The
// dedup key is a label, so an operator (or a later search) can find the issue an alert opened.

export interface JiraOptions {
  projectKey?: string;
  issueType: string;
  apiVersion: 2 | 3;
}

export function jiraLabel(dedupKey: string): string {
  return `cavra-${dedupKey}`.replace(/[^A-Za-z0-9_-]/g, '-');
}

export function jiraPayload(notice: Notice, options: JiraOptions): Record<string, unknown> {
  const description =
    options.apiVersion === 3
      ? {
          type: 'doc',
          version: 1,
          // ADF rejects empty text nodes: an empty line is an empty paragraph.
          content: [notice.message, ...notice.details].map((line) => (line ? { type: 'paragraph', content: [{ type: 'text', text: line }] } : { type: 'paragraph', content: [] }))
        }
      : [notice.message, ...notice.details].join('\n');
  return {
    fields: {
      ...(options.projectKey ? { project: { key: options.projectKey } } : {}),
      issuetype: { name: options.issueType },
      summary: notice.title.slice(0, 255),
      description,
      labels: ['cavra', 'endpoint-remediation', 'sla', notice.level, jiraLabel(notice.dedupKey)]
    }
  };
}
