var o=globalThis;o.__zod_globalConfig??={};o.__zod_globalConfig.jitless=!0;
