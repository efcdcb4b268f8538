import { create } from 'zustand';
import { type ParsedRecipient, parseRecipient, splitRecipientInput } from '@/core/mime/addresses';

export type RecipientField = 'to' | 'cc' | 'bcc';
export type Chip = ParsedRecipient & { id: string };
export type Attachment = { id: string; file: File };

export type SendStatus =
  | { state: 'idle' }
  | { state: 'sending'; stage: 'building' | 'encrypting' | 'uploading' | 'submitting' }
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
});

let counter = 0;
const nextId = () => `c${++counter}`;

/** Add chips for entries not yet in the field (the same address twice in one field is one chip). */
function withChips(existing: Chip[], entries: string[]): Chip[] {
  const out = [...existing];
  for (const entry of entries) {
    const parsed = parseRecipient(entry);
    if (out.some((c) => c.key === parsed.key)) continue;
    out.push({ ...parsed, id: nextId() });
  }
  return out;
}

export const useComposerStore = create<ComposerState & ComposerActions>((set) => ({
  fromIdentityId: null,
  status: { state: 'idle' },
  ...EMPTY(),
  setFrom: (fromIdentityId) => set({ fromIdentityId }),
  updateRecipientText: (field, text, commitRest = false) =>
    set((s) => {
      const { complete, rest } = splitRecipientInput(text);
      const entries = commitRest && rest.trim() ? [...complete, rest] : complete;
      return {
        ...(entries.length && s.status.state === 'failed' ? { status: { state: 'idle' as const } } : {}),
        recipients: entries.length ? { ...s.recipients, [field]: withChips(s.recipients[field], entries) } : s.recipients,
        pending: { ...s.pending, [field]: commitRest ? '' : complete.length ? rest.replace(/^\s+/, '') : text },
      };
    }),
  removeRecipient: (field, id) =>
    set((s) => ({
      recipients: { ...s.recipients, [field]: s.recipients[field].filter((c) => c.id !== id) },
      // The old failure may no longer apply once the recipients change.
      ...(s.status.state === 'failed' ? { status: { state: 'idle' as const } } : {}),
    })),
  setSubject: (subject) => set({ subject }),
  setBody: (body) => set({ body }),
  addFiles: (files) => set((s) => ({ attachments: [...s.attachments, ...files.map((file) => ({ id: nextId(), file }))] })),
  removeAttachment: (id) => set((s) => ({ attachments: s.attachments.filter((a) => a.id !== id) })),
  setMessageId: (messageId) => set({ messageId }),
  setEncryptChoice: (encryptChoice) => set({ encryptChoice }),
  setSignChoice: (signChoice) => set({ signChoice }),
  setStatus: (status) => set({ status }),
  clearAfterSend: (summary) => set({ ...EMPTY(), status: { state: 'sent', summary } }),
}));

export const resetComposer = () => useComposerStore.setState({ fromIdentityId: null, status: { state: 'idle' }, ...EMPTY() });
