import { LogLevel, type Logger as SlackLogger } from '@slack/web-api';
import type { Logger } from '../../services/logger.js';

/** The Slack libraries' logger interface (Bolt, Web API) on top of ours; their messages carry no tokens. */
export function slackLogger(logger: Logger, component: string, initial: LogLevel = LogLevel.WARN): SlackLogger {
  const child = logger.child({ component });
  let level = initial;
  const rank = { [LogLevel.DEBUG]: 0, [LogLevel.INFO]: 1, [LogLevel.WARN]: 2, [LogLevel.ERROR]: 3 };
  const at = (l: LogLevel, fn: (msg: string) => void) => (...msg: unknown[]) => {
    if (rank[l] >= rank[level]) fn(msg.map(String).join(' '));
  };
  return {
    debug: at(LogLevel.DEBUG, (m) => child.debug(m)),
    info: at(LogLevel.INFO, (m) => child.info(m)),
    warn: at(LogLevel.WARN, (m) => child.warn(m)),
    error: at(LogLevel.ERROR, (m) => child.error(m)),
    setLevel: (l: LogLevel) => {
      level = l;
    },
    getLevel: () => level,
    setName: () => undefined,
  };
}
