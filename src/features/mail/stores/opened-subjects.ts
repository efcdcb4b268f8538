import { create } from 'zustand';

/**
 * Protected subjects of the messages opened in this session, so the list can show them instead of
 * the outer `[...]`. Kept in memory only: a decrypted subject is never written anywhere.
 */
export const useOpenedSubjects = create<{
  subjects: Record<string, string>;
  remember: (id: string, subject: string) => void;
}>((set) => ({
  subjects: {},
  remember: (id, subject) =>
    set((s) => (s.subjects[id] === subject ? s : { subjects: { ...s.subjects, [id]: subject } })),
}));
