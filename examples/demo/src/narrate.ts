/** Terminal narration: numbered steps, indented details, colour only on a TTY. */
const tty = process.stdout.isTTY === true;
const paint = (code: number) => (text: string) => (tty ? `\u001b[${code}m${text}\u001b[0m` : text);
export const bold = paint(1);
export const dim = paint(2);
export const green = paint(32);
export const red = paint(31);
export const cyan = paint(36);

let step = 0;
export function say(title: string): void {
  process.stdout.write(`\n${bold(`${++step}. ${title}`)}\n`);
}
export function detail(text: string): void {
  for (const line of text.split('\n')) process.stdout.write(`   ${line}\n`);
}
