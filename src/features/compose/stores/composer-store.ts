import { create } from 'zustand';
import type { PreparedMessage, UploadedSoFar } from '@/core/send/deliver';
import { type ParsedRecipient, splitRecipientInput } from '@/core/mime/addresses';
import { loadRecipientParser, recipientParser } from '@/lib/recipient-parser';

export type RecipientField = 'to' | 'cc' | 'bcc';
export type Chip = ParsedRecipient & { id: string };
export type Attachment = { id: string; file: File };

export type SendStatus =
  | { state: 'idle' }
  | {
      state: 'sending';
      stage: 'checking-keys' | 'building' | 'encrypting' | 'uploading' | 'submitting';
      uploaded?: UploadedSoFar;
    }
  | { state: 'sent'; summary: string }
  | { state: 'failed'; message: string };

type ComposerState = {
  fromIdentityId: string | null;
  recipients: Record<RecipientField, Chip[]>;
  /** Unfinished text in each recipient field. */
  pending: Record<RecipientField, string>;
  subject: string;
  body: string;
  attachments: Attachment[];
  /** Generated on the first send attempt and reused by retries, so a retry is recognisably the same message. */
  messageId: string | null;
  /** null: follow the automatic rule (on when every recipient has a valid key, if enabled in Settings). */
  encryptChoice: boolean | null;
  /** null: sign when a usable key is bound to the From address. */
  signChoice: boolean | null;
  status: SendStatus;
  /** The copy of this message in the Drafts mailbox, replaced on each save and removed once sent. */
  draftId: string | null;
  /** Bumped by every edit; a draft is saved when it differs from `savedRevision`. */
  revision: number;
  savedRevision: number;
  draftStatus: DraftStatus;
  /** The message as built and encrypted by the last Send, for a retry (see reusableOutgoing). */
  outgoing: { revision: number; prepared: PreparedMessage } | null;
  /** What this message answers or forwards: threading, the quote, and the original to mark when sent. */
  reply: ReplyState | null;
};

export type ReplyState = {
  /** The original's JMAP id and the keyword it gets once this is sent; null for a reopened draft. */
  original: { emailId: string; keyword: '$answered' | '$forwarded' } | null;
  inReplyTo: string[];
  references: string[];
  /** The quoted original text, as put into the body. */
  quote: string;
  /** The original was encrypted: turning encryption off takes the quote out (it was only readable encrypted). */
  encryptedOriginal: boolean;
  quoteDropped: boolean;
};

export type LoadedReply = {
  fromIdentityId: string | null;
  to: string[];
  cc: string[];
  subject: string;
  body: string;
  files: File[];
  encryptChoice: boolean | null;
  reply: Omit<ReplyState, 'quoteDropped'>;
};

export type DraftStatus =
  | { state: 'none' }
  | { state: 'saving' }
  | { state: 'saved'; at: Date; encrypted: boolean }
  | { state: 'failed'; message: string };

export type LoadedDraft = {
  fromIdentityId: string | null;
  /** Chips' text (addresses, and text that did not parse as one), in order. */
  to: string[];
  cc: string[];
  bcc: string[];
  /** What was being typed in each field. */
  pending: Record<RecipientField, string>;
  subject: string;
  body: string;
  files: File[];
  messageId: string | null;
  encryptChoice: boolean | null;
  signChoice: boolean | null;
  draftId: string;
  threading?: { inReplyTo: string[]; references: string[] };
};

type ComposerActions = {
  setFrom: (identityId: string) => void;
  /** Apply the UI contract's splitting rule to a field's new text; `commitRest` also turns the unfinished rest into a chip. */
  updateRecipientText: (field: RecipientField, text: string, commitRest?: boolean) => void;
  removeRecipient: (field: RecipientField, id: string) => void;
  setSubject: (subject: string) => void;
  setBody: (body: string) => void;
  addFiles: (files: File[]) => void;
  removeAttachment: (id: string) => void;
  setMessageId: (id: string) => void;
  setEncryptChoice: (choice: boolean | null) => void;
  setSignChoice: (choice: boolean | null) => void;
  setStatus: (status: SendStatus) => void;
  /** After a successful send: empty the composer but keep the chosen From. */
  clearAfterSend: (summary: string) => void;
  draftSaved: (draftId: string, revision: number, encrypted: boolean, at: Date) => void;
  setDraftStatus: (draftStatus: DraftStatus) => void;
  setOutgoing: (outgoing: ComposerState['outgoing']) => void;
  /** Replace the composer's content with a reopened draft. */
  loadDraft: (draft: LoadedDraft) => void;
  /** Replace the composer's content with an answer to (or a forward of) a message. */
  loadReply: (reply: LoadedReply) => void;
  /** Put a quote that turning encryption off took out back into the body. */
  restoreQuote: () => void;
};

const EMPTY = (): Omit<ComposerState, 'fromIdentityId' | 'status'> => ({
  recipients: { to: [], cc: [], bcc: [] },
  pending: { to: '', cc: '', bcc: '' },
  subject: '',
  body: '',
  attachments: [],
  messageId: null,
  encryptChoice: null,
  signChoice: null,
  draftId: null,
  revision: 0,
  savedRevision: 0,
  draftStatus: { state: 'none' },
  outgoing: null,
  reply: null,
});

/** Edits bump the revision, so that autosave knows there is something new. */
const edited = (s: { revision: number }) => ({ revision: s.revision + 1 });
const IDLE: SendStatus = { state: 'idle' };

let counter = 0;
const nextId = () => `c${++counter}`;

/**
 * Whether the address parser is still on its way (right at start-up): then `retry` runs once it
 * has arrived, and the caller stops here.
 */
function awaitingParser(retry: () => void): boolean {
  if (recipientParser()) return false;
  void Promise.resolve(loadRecipientParser()).then(retry);
  return true;
}

/**
 * Add chips for entries not yet in the field (the same address twice in one field is one chip).
 * Only called once the parser is there (`recipientParser()`).
 */
function withChips(existing: Chip[], entries: string[]): Chip[] {
  const parseRecipient = recipientParser()!;
  const out = [...existing];
  for (const entry of entries) {
    const parsed = parseRecipient(entry);
    if (out.some((c) => c.key === parsed.key)) continue;
    out.push({ ...parsed, id: nextId() });
  }
  return out;
}

export const useComposerStore = create<ComposerState & ComposerActions>((set, get) => ({
  fromIdentityId: null,
  status: IDLE,
  ...EMPTY(),
  setFrom: (fromIdentityId) => set((s) => ({ fromIdentityId, ...edited(s) })),
  updateRecipientText: (field, text, commitRest = false) => {
    const finished = commitRest || splitRecipientInput(text).complete.length > 0;
    if (finished && awaitingParser(() => get().updateRecipientText(field, get().pending[field], commitRest))) {
      // An entry finished before the parser arrived: the text waits for it.
      set((s) => ({ pending: { ...s.pending, [field]: text }, ...edited(s) }));
      return;
    }
    set((s) => {
      const { complete, rest } = splitRecipientInput(text);
      const entries = commitRest && rest.trim() ? [...complete, rest] : complete;
      const pending = commitRest ? '' : complete.length ? rest.replace(/^\s+/, '') : text;
      return {
        ...(entries.length && s.status.state === 'failed' ? { status: IDLE } : {}),
        // Text still being typed is kept in drafts too: changing it is an edit.
        ...(entries.length || pending !== s.pending[field] ? edited(s) : {}),
        recipients: entries.length
          ? { ...s.recipients, [field]: withChips(s.recipients[field], entries) }
          : s.recipients,
        pending: { ...s.pending, [field]: pending },
      };
    });
  },
  removeRecipient: (field, id) =>
    set((s) => ({
      ...edited(s),
      recipients: { ...s.recipients, [field]: s.recipients[field].filter((c) => c.id !== id) },
      // The old failure may no longer apply once the recipients change.
      ...(s.status.state === 'failed' ? { status: IDLE } : {}),
    })),
  setSubject: (subject) => set((s) => ({ subject, ...edited(s) })),
  setBody: (body) => set((s) => ({ body, ...edited(s) })),
  addFiles: (files) =>
    set((s) => ({ attachments: [...s.attachments, ...files.map((file) => ({ id: nextId(), file }))], ...edited(s) })),
  removeAttachment: (id) =>
    set((s) => ({
      attachments: s.attachments.filter((a) => a.id !== id),
      ...edited(s),
      // The old failure (a message too large, say) may no longer apply.
      ...(s.status.state === 'failed' ? { status: IDLE } : {}),
    })),
  setMessageId: (messageId) => set({ messageId }),
  setEncryptChoice: (encryptChoice) =>
    set((s) => {
      // A failure of the other choice (no key, too large encrypted) may no longer apply.
      const changed = { encryptChoice, ...edited(s), ...(s.status.state === 'failed' ? { status: IDLE } : {}) };
      // Autocrypt / reading.md §7: text that was only readable encrypted is not sent in clear by default.
      const reply = s.reply;
      if (encryptChoice === false && reply?.encryptedOriginal && !reply.quoteDropped && s.body.includes(reply.quote)) {
        return {
          ...changed,
          body: s.body.replace(reply.quote, '').replace(/\s+$/, '\n'),
          reply: { ...reply, quoteDropped: true },
        };
      }
      return changed;
    }),
  restoreQuote: () =>
    set((s) =>
      s.reply?.quoteDropped
        ? {
            body: `${s.body.replace(/\s+$/, '')}\n\n${s.reply.quote}`,
            reply: { ...s.reply, quoteDropped: false },
            ...edited(s),
          }
        : {},
    ),
  setSignChoice: (signChoice) => set((s) => ({ signChoice, ...edited(s) })),
  setStatus: (status) => set({ status }),
  clearAfterSend: (summary) => set({ ...EMPTY(), status: { state: 'sent', summary } }),
  draftSaved: (draftId, revision, encrypted, at) =>
    set({ draftId, savedRevision: revision, draftStatus: { state: 'saved', at, encrypted } }),
  setDraftStatus: (draftStatus) => set({ draftStatus }),
  setOutgoing: (outgoing) => set({ outgoing }),
  loadDraft: (d) => {
    if (awaitingParser(() => get().loadDraft(d))) return;
    set(() => ({
      ...EMPTY(),
      fromIdentityId: d.fromIdentityId,
      recipients: { to: withChips([], d.to), cc: withChips([], d.cc), bcc: withChips([], d.bcc) },
      pending: d.pending,
      subject: d.subject,
      body: d.body,
      attachments: d.files.map((file) => ({ id: nextId(), file })),
      messageId: d.messageId,
      encryptChoice: d.encryptChoice,
      signChoice: d.signChoice,
      draftId: d.draftId,
      reply:
        d.threading && (d.threading.inReplyTo.length || d.threading.references.length)
          ? { original: null, ...d.threading, quote: '', encryptedOriginal: false, quoteDropped: false }
          : null,
      status: IDLE,
    }));
  },
  loadReply: (r) => {
    if (awaitingParser(() => get().loadReply(r))) return;
    set((s) => ({
      ...EMPTY(),
      fromIdentityId: r.fromIdentityId ?? s.fromIdentityId,
      recipients: { to: withChips([], r.to), cc: withChips([], r.cc), bcc: [] },
      subject: r.subject,
      body: r.body,
      attachments: r.files.map((file) => ({ id: nextId(), file })),
      encryptChoice: r.encryptChoice,
      reply: { ...r.reply, quoteDropped: false },
      status: IDLE,
    }));
  },
}));

// A prepared message that is replaced or dropped is never sent: its spool files go.
useComposerStore.subscribe((state, previous) => {
  const dropped = previous.outgoing?.prepared;
  if (dropped && dropped !== state.outgoing?.prepared && dropped.copies.some((c) => c.spools?.length))
    void import('@/core/send/deliver').then(({ releasePrepared }) => releasePrepared(dropped));
});

/** A draft that was not saved: in the draft status, and in the alert too when it was saved by hand. */
export function draftNotSaved(reason: 'manual' | 'auto' | 'after-failure', message: string): void {
  const store = useComposerStore.getState();
  if (reason === 'manual') store.setStatus({ state: 'failed', message });
  store.setDraftStatus({ state: 'failed', message });
}

export const resetComposer = () => useComposerStore.setState({ fromIdentityId: null, status: IDLE, ...EMPTY() });

/**
 * What a retry must send: the message already built (the same ciphertext) when nothing changed
 * since, and always once a copy may have reached the server, so that nobody gets it twice.
 */
export function reusableOutgoing(
  state: Pick<ComposerState, 'outgoing' | 'revision'>,
): { prepared: PreparedMessage; started: boolean } | null {
  const outgoing = state.outgoing;
  if (!outgoing) return null;
  const started = outgoing.prepared.copies.some((c) => c.result || c.uncertain);
  return started || outgoing.revision === state.revision ? { prepared: outgoing.prepared, started } : null;
}
