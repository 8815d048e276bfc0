/** DOM ids that tie each tab to its panel (aria-controls / aria-labelledby). */
export const tabDomId = (id: string): string => `tab-${id}`;
export const panelDomId = (id: string): string => `panel-${id}`;
