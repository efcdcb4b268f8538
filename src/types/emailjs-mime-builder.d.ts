declare module 'emailjs-mime-builder' {
  export type MimeNodeOptions = {
    filename?: string;
    baseBoundary?: string;
    includeBccInHeader?: boolean;
    rootNode?: MimeNode;
    parentNode?: MimeNode;
  };
  export default class MimeNode {
    constructor(contentType?: string, options?: MimeNodeOptions);
    date: Date;
    createChild(contentType: string, options?: MimeNodeOptions): MimeNode;
    appendChild(node: MimeNode): MimeNode;
    setHeader(key: string, value: string): this;
    setHeader(headers: Record<string, string>): this;
    addHeader(key: string, value: string): this;
    getHeader(key: string): string | undefined;
    setContent(content: string | Uint8Array): this;
    build(): string;
    getEnvelope(): { from: string | false; to: string[] };
  }
}
