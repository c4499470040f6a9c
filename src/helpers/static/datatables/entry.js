// What the explorer (../explorer.js) uses of DataTables: the table, its default styling, and the
// Buttons extension for the column chooser ("colvis"). It imports `default` (DataTable) and `jQuery`.
import jQuery from "jquery";
import DataTable from "datatables.net-dt";
import "datatables.net-buttons-dt";
import "datatables.net-buttons/js/buttons.colVis.mjs";

export { jQuery };
export default DataTable;
