/**
 * The runtime's messages to its client, each frame (its `Content-Length` header and its JSON
 * body) in one write to stdout. vscode-jsonrpc's stream writer writes the header, then the
 * body: native code writes to the same stdout from other threads (llama.cpp's log printf, out
 * of reach of the console redirect), and a line landing between the two left a header the
 * client's reader (protocol/stdout-frames.ts) took for stray text, with the message lost. A
 * frame larger than the pipe's buffer may still be cut by the system; most are far smaller.
 */
import { AbstractMessageWriter, type Message, type MessageWriter } from "vscode-languageserver/node";

export class FrameWriter extends AbstractMessageWriter implements MessageWriter {
  private errors = 0;

  constructor(private readonly out: NodeJS.WritableStream) {
    super();
    out.on("error", (error: Error) => this.fireError(error));
    out.on("close", () => this.fireClose());
  }

  write(message: Message): Promise<void> {
    const body = Buffer.from(JSON.stringify(message), "utf8");
    const frame = Buffer.concat([Buffer.from(`Content-Length: ${body.length}\r\n\r\n`, "ascii"), body]);
    return new Promise((resolve, reject) => {
      this.out.write(frame, (error?: Error | null) => {
        if (!error) return resolve();
        this.fireError(error, message, ++this.errors);
        reject(error);
      });
    });
  }

  end(): void {
    this.out.end();
  }
}
