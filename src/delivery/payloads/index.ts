import type { Notice } from '../../domain/notice.js';
import type { JsonObject } from '../../domain/records.js';
import type { Connector } from '../connector-config.js';
import { jiraPayload } from './jira.js';
import { servicenowPayload } from './servicenow.js';
import { slackPayload } from './slack.js';
import { teamsPayload } from './teams.js';

/** The body each provider receives; a webhook gets the whole event. */
export function providerPayload(connector: Connector, notice: Notice, event: JsonObject): Record<string, unknown> {
  switch (connector.provider) {
    case 'slack':
      return slackPayload(notice);
    case 'teams':
      return teamsPayload(notice, connector.teamsFormat);
    case 'jira':
      return jiraPayload(notice, connector.jira);
    case 'servicenow':
      return servicenowPayload(notice);
    case 'webhook':
      return { ...event, provider: 'webhook' };
  }
}
