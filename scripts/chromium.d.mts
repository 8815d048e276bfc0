export declare const CHROMIUM_PATH: string;
export declare const QUIET_ARGS: string[];
export declare const CHROMIUM_ARGS: string[];
