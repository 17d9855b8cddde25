/** Text from the proxy cut to a length before it goes into a message or the agent's context. */

/** At most `max` characters, the last one `…` when cut. */
export function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
