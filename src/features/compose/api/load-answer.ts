import type { Identity } from '@/core/jmap/types';
import { formatMailbox } from '@/core/mime/addresses';
import type { Answer } from '@/core/reading/reply';
import { useComposerStore } from '../stores/composer-store';

/** Open the composer with an answer (Reply, Reply all) or a forward built by the reader. */
export function loadAnswer(answer: Answer<Blob>, originalEmailId: string, identities: Identity[]): void {
  const identity = answer.ownAddress
    ? identities.find((i) => i.email.toLowerCase() === answer.ownAddress!.toLowerCase())
    : undefined;
  useComposerStore.getState().loadReply({
    fromIdentityId: identity?.id ?? null,
    to: answer.to.map(formatMailbox),
    cc: answer.cc.map(formatMailbox),
    subject: answer.subject,
    body: `\n\n${answer.quote}`,
    files: answer.attachments.map((a) => new File([a.content], a.name, { type: a.type })),
    encryptChoice: answer.encrypt,
    reply: {
      original: { emailId: originalEmailId, keyword: answer.keyword },
      inReplyTo: answer.inReplyTo,
      references: answer.references,
      quote: answer.quote,
      encryptedOriginal: answer.encrypt === true,
    },
  });
  window.location.hash = '#/compose';
}
