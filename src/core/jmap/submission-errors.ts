import { formatBytes } from './client';
import type { SetError } from './types';

/** People-facing text for every RFC 8621 §7.5 EmailSubmission SetError (and the generic ones). */
export function describeSubmissionError(error: SetError): string {
  const server = error.description ? ` The server said: ${error.description}` : '';
  switch (error.type) {
    case 'forbiddenFrom':
      return `You may not send with this From address.${server}`;
    case 'forbiddenMailFrom':
      return `The server does not allow this sender address in the envelope.${server}`;
    case 'forbiddenToSend':
      return `This account may not send mail right now.${server}`;
    case 'tooManyRecipients':
      return `Too many recipients${error.maxRecipients ? `: the server allows at most ${error.maxRecipients}` : ''}.${server}`;
    case 'noRecipients':
      return `The message has no recipients.${server}`;
    case 'invalidRecipients':
      return `The server refused ${error.invalidRecipients?.length ? `these recipients: ${error.invalidRecipients.join(', ')}` : 'some recipients'}.${server}`;
    case 'invalidEmail':
      return `The server considers the message invalid${error.properties?.length ? ` (${error.properties.join(', ')})` : ''}.${server}`;
    case 'tooLarge':
      return `The message is too large to send${error.maxSize ? `; the limit is ${formatBytes(error.maxSize)}` : ''}.${server}`;
    case 'rateLimit':
      return `Too many messages were sent recently; try again later.${server}`;
    case 'overQuota':
      return `The mailbox is over its quota.${server}`;
    case 'invalidProperties':
      return `The server rejected the submission (${error.properties?.join(', ') || 'invalid properties'}).${server}`;
    case 'forbidden':
      return `The server refused to send this message.${server}`;
    default:
      return `The server refused to send the message (${error.type}).${server}`;
  }
}
