/** A child process answering one JSON line per JSON line it is sent: keeps a peer loaded between measurements. */
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { createInterface } from "node:readline";

export class LineWorker {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly replies: ((line: string) => void)[] = [];
  private exited: Error | undefined;

  constructor(command: string, args: string[], env: Record<string, string> = {}) {
    this.child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ["pipe", "pipe", "pipe"] });
    let stderr = "";
    this.child.stderr.on("data", (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
    createInterface({ input: this.child.stdout }).on("line", (line) => {
      if (line.startsWith("{")) this.replies.shift()?.(line);
    });
    this.child.on("close", (code) => {
      this.exited = new Error(`${command} exited ${code}: ${stderr}`);
      for (const reply of this.replies.splice(0)) reply("");
    });
  }

  request<T>(message: unknown): Promise<T> {
    if (this.exited) return Promise.reject(this.exited);
    return new Promise((resolve, reject) => {
      this.replies.push((line) => {
        if (!line) return reject(this.exited ?? new Error("worker closed"));
        const reply = JSON.parse(line) as T & { error?: string };
        if (reply.error) reject(new Error(reply.error));
        else resolve(reply);
      });
      this.child.stdin.write(`${JSON.stringify(message)}\n`);
    });
  }

  close(): void {
    this.child.stdin.end();
  }
}
