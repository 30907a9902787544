#!/usr/bin/env node
/** launcelot-conformance: the program (the command itself is in command.ts). */
import { main } from "./command.js";

main(process.argv.slice(2));
