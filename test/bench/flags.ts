/** A numeric command-line flag (`--minutes 10`), or the fallback when it is absent or not a number. */
export const flag = (args: string[], name: string, fallback: number) => Number(args[args.indexOf(name) + 1] ?? NaN) || fallback;
